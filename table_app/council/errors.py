"""Why the engine refuses a command."""


class CommandRefused(Exception):
    """A command the rules do not allow. ``message`` is French, for the user.

    A refused command changes nothing: the journal and the state are as before.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
