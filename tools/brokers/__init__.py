"""Brokers behind one interface: the local paper broker and Alpaca."""
