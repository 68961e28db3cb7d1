"""Custom actions of the Mila FAQ assistant (run by `rasa run actions`)."""
