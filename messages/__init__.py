"""The words the bot says: Jinja2 templates, the neutral Reply and its renderers."""
