"""The error every part of the importer raises for a file a person cannot import as it is."""


class UnreadableFile(Exception):
    """The file cannot be read as a lead file; ``message`` says why in plain language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
