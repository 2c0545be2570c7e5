"""Table du conseil: the domain of the council table (rules, journal, store, CLI).

Nothing in this package imports a Qt widget: the rules are tested without a
display and the screens only subscribe to what the engine publishes.
"""

__version__ = "0.1.0"
