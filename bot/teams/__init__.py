"""Microsoft Teams: POST /api/messages through the Bot Framework CloudAdapter, and proactive sends.

Only this package (with bot/slack) imports a platform SDK; the core sees Commands and Replies.
`setup.attach` puts it on the server when Teams is configured.
"""
