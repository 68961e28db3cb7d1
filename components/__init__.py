"""Custom Rasa graph components, named in config.yml."""
