"""portfolio_manager."""
