"""Market data providers behind one interface, and the point-in-time snapshot builder."""
