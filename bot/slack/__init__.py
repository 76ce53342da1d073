"""Slack: slash commands, shortcuts, buttons, modals and the Home tab, on the shared aiohttp server.

Only this package (with bot/teams) imports a platform SDK; the core sees Commands and Replies.
`setup.attach` puts it on the server when Slack is configured.
"""
