"""Input channels of the Rasa server: Rasa's own, with input checks and our fixes."""
