"""Email for members outside the partnership's Slack or Teams: the SMTP sender, the message, and the
small pages behind the links in each email. See bot.email.setup."""
