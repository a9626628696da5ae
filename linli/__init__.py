"""Linli (邻里): community policing and neighbourhood services."""
