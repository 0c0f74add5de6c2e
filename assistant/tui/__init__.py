"""The Textual chat: a thin shell over `assistant.service.Assistant`."""
