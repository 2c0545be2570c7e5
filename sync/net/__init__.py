"""Seats on the network: pairing, the TLS WebSocket feed, discovery on the LAN."""
