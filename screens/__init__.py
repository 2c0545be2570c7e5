"""The Qt screens of the council table: they only subscribe to what the engine publishes."""
