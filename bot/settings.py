"""All configuration, read from the environment (and an optional .env file)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DB_PATH = Path.home() / ".assurebot" / "assurebot.db"
# A link secret this short or shorter could be guessed offline from a link a member holds.
SHORTEST_SECRET = 32
# Teams' connector in the commercial cloud, GCC, GCC High and DoD.
MICROSOFT_SERVICE_URLS = (
    "https://smba.trafficmanager.net/",
    "https://smba.infra.gcc.teams.microsoft.com/",
    "https://smba.infra.gov.teams.microsoft.us/",
    "https://smba.infra.dod.teams.microsoft.us/",
)


class Settings(BaseSettings):
    """Environment settings. Secrets are SecretStr so they never print in logs."""

    # A setting refused is named with why, never repeated: it may be a secret.
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore",
                                      hide_input_in_errors=True)

    database_url: str = Field(default=f"sqlite:///{DEFAULT_DB_PATH}")
    log_level: str = "INFO"

    host: str = "127.0.0.1"
    port: int = 3978

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    # Several partnerships' workspaces: the app is installed in each with Slack's OAuth flow.
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    slack_authorize_url: str = "https://slack.com/oauth/v2/authorize"
    # Seconds a reminder waits for Slack's answer before it is looked for instead of sent again.
    slack_send_timeout: float = Field(default=10.0, gt=0, le=120)

    microsoft_app_id: str | None = None
    microsoft_app_password: SecretStr | None = None
    microsoft_app_type: str = "MultiTenant"
    microsoft_app_tenant_id: str | None = None
    # Unauthenticated Teams for the Bot Framework Emulator or Web Chat on this machine only:
    # needs HOST to be a loopback address, and never goes with MICROSOFT_APP_ID.
    teams_local_mode: bool = False
    # Where Teams replies and reminders may go (https prefixes, separated by commas or spaces).
    teams_service_urls: str = " ".join(MICROSOFT_SERVICE_URLS)

    reminder_time: str = "09:00"

    # How many commands one person may send: COMMAND_BURST at once, then COMMANDS_PER_SECOND.
    commands_per_second: float = Field(default=3.0, gt=0)
    command_burst: int = Field(default=10, ge=1)
    # How many processes `serve` works quick commands out in, side by side; 0 keeps them in the
    # server's own process. Unset: one per processor, up to four.
    command_processes: int | None = Field(default=None, ge=0, le=64)

    # Where people reach `assurebot serve`, e.g. https://assurebot.example.org, for calendar links.
    public_url: str | None = None
    # Signs each member's calendar link; change it to withdraw every link at once.
    calendar_secret: SecretStr | None = None

    # Email for members outside Slack and Teams: an SMTP server AssureBot sends through.
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = True  # port 465 speaks TLS from the start instead
    smtp_timeout: float = Field(default=30.0, gt=0, le=300)
    mail_from: str | None = None  # e.g. "AssureBot <assurebot@partnership.example.org>"
    # Signs the answer and unsubscribe links in emails; EMAIL_LINK_SECRET_PREVIOUS is still accepted
    # after a change, so links already sent keep working until they expire.
    email_link_secret: SecretStr | None = None
    email_link_secret_previous: SecretStr | None = None

    @field_validator("calendar_secret", "email_link_secret", "email_link_secret_previous")
    @classmethod
    def _long_enough(cls, value: SecretStr | None, info) -> SecretStr | None:
        """Every member holds a link signed with these: a short one could be found from it by trying."""
        if value is not None and 0 < len(value.get_secret_value()) < SHORTEST_SECRET:
            raise ValueError(f"{info.field_name.upper()} must be at least {SHORTEST_SECRET} characters long; make one "
                             f"with: python3 -c \"import secrets; print(secrets.token_urlsafe(32))\"")
        return value

    @property
    def smtp_configured(self) -> bool:
        """Email can be sent: SMTP_HOST and MAIL_FROM are set."""
        return bool(self.smtp_host and self.mail_from)

    @property
    def email_on(self) -> bool:
        """Reminders can go by email: SMTP and the links (PUBLIC_URL, EMAIL_LINK_SECRET) are all set up."""
        return self.smtp_configured and self.email_links() is not None

    def email_links(self):
        """Email answer links (handlers.email_links.LinkSigner) when PUBLIC_URL and EMAIL_LINK_SECRET are set."""
        from handlers.email_links import LinkSigner

        secret = self.email_link_secret.get_secret_value() if self.email_link_secret else ""
        previous = self.email_link_secret_previous.get_secret_value() if self.email_link_secret_previous else ""
        if not self.public_url or not secret:
            return None
        return LinkSigner(public_url=self.public_url, secret=secret, previous=previous or None)

    def feed_links(self):
        """Calendar links (handlers.calendar_feed.FeedLinks) when PUBLIC_URL and CALENDAR_SECRET are both set."""
        from handlers.calendar_feed import FeedLinks

        secret = self.calendar_secret.get_secret_value() if self.calendar_secret else ""
        if not self.public_url or not secret:
            return None
        return FeedLinks(public_url=self.public_url, secret=secret)

    @property
    def slack_installs_by_oauth(self) -> bool:
        return bool(self.slack_client_id and self.slack_client_secret
                    and self.slack_client_secret.get_secret_value())


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
