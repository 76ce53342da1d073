"""The console chat: type commands as a member would; buttons print as the commands they run.

Piped input (not a terminal) runs one command per line and prints each reply, so scripts can
drive it. A form asks its fields one by one on the following lines.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import TextIO

from handlers.core import parse_command
from handlers.dispatch import Dispatcher, Who
from messages.plain import render_plain
from messages.reply import FieldKind, Form, Reply
from models.dates import DateError, parse_date
from models.partnership import Member

PROMPT = "you> "
QUIT = {"quit", "exit", "bye", ":q"}
FILES_DIR = Path("assurebot-files")  # where a report's files are saved, under the current folder


class Console:
    """A chat in a terminal, as one member."""

    def __init__(self, dispatcher: Dispatcher, email: str, *, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout,
                 files_dir: Path = FILES_DIR, partnership: str | None = None):
        self.dispatcher = dispatcher
        self.files_dir = files_dir
        self.who = Who(platform="console", email=email, partnership_key=partnership)
        self.stdin = stdin
        self.stdout = stdout
        self.interactive = stdin.isatty()
        self.pending_notices: list[tuple[Member, Reply]] = []
        dispatcher.notify = self.queue_notice

    def write(self, text: str = "") -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()

    def read(self, prompt: str) -> str | None:
        if self.interactive:
            self.stdout.write(prompt)
            self.stdout.flush()
        line = self.stdin.readline()
        if not line:
            return None
        line = line.rstrip("\n")
        if not self.interactive:
            self.write(f"{prompt}{line}")
        return line

    async def queue_notice(self, member: Member, reply: Reply) -> None:
        """Private messages to others are shown after the reply, as they would arrive elsewhere."""
        self.pending_notices.append((member, reply))

    def show_notices(self) -> None:
        for member, reply in self.pending_notices:
            self.write(f"[sent privately to {member.name}]")
            for line in render_plain(reply).splitlines():
                self.write(f"  | {line}")
            self.write()
        self.pending_notices.clear()

    async def run(self) -> int:
        """Read commands until the input ends or the user says quit."""
        if self.interactive:
            self.write("AssureBot console. Type `help` to see what I can do, `quit` to leave.")
        while True:
            line = self.read(PROMPT)
            if line is None or line.strip().lower() in QUIT:
                return 0
            if not line.strip():
                continue
            await self.send(line)

    async def send(self, line: str, form: dict[str, str] | None = None) -> Reply:
        reply = await self.dispatcher.handle(parse_command(line, platform="console", form=form), self.who)
        self.write(render_plain(reply))
        if reply.files:
            self.save_files(reply)
        self.write()
        self.show_notices()
        if reply.form is not None:
            values = self.fill(reply.form)
            if values is not None:
                return await self.send(reply.form.command, values)
        return reply

    def save_files(self, reply: Reply) -> None:
        """A report's files are saved in the files folder, and the console says where."""
        try:
            self.files_dir.mkdir(parents=True, exist_ok=True)
            for file in reply.files:
                (self.files_dir / file.filename).write_bytes(file.data)
        except OSError as problem:
            self.write(f"I couldn't save the files in {self.files_dir}: {problem.strerror or problem}. "
                       f"Try again with --files set to a folder you can write to.")
            return
        self.write(f"Saved {len(reply.files)} file{'s' if len(reply.files) != 1 else ''} in {self.files_dir}:")
        for file in reply.files:
            self.write(f"  {file.filename}")

    def fill(self, form: Form) -> dict[str, str] | None:
        """Ask each field of a form in turn; `cancel` at any prompt drops the form."""
        self.write(f"{form.title} (type `cancel` to stop)")
        if form.intro:
            self.write(form.intro)
        values: dict[str, str] = {}
        for field in form.fields:
            while True:
                if field.options:
                    for i, option in enumerate(field.options, start=1):
                        self.write(f"  {i}. {option.label}")
                default = f" [{field.initial}]" if field.initial else ""
                optional = " (optional, Enter to skip)" if not field.required else ""
                answer = self.read(f"{field.label}{optional}{default}: ")
                if answer is None or answer.strip().lower() == "cancel":
                    self.write("Cancelled. Nothing was saved.")
                    return None
                answer = answer.strip() or (field.initial or "")
                if field.options and answer:
                    answer = self._choose(field.options, answer)
                    if answer is None:
                        self.write("Please pick one of the numbers above.")
                        continue
                if field.required and not answer:
                    self.write("This one is needed.")
                    continue
                if field.kind == FieldKind.DATE and answer:
                    problem = self._date_problem(answer)
                    if problem:
                        self.write(problem)
                        continue
                values[field.name] = answer
                break
        return values

    def _date_problem(self, answer: str) -> str | None:
        """Why a date typed into a form can't be read (so it is asked again), or None."""
        try:
            parse_date(answer, today=self.dispatcher.clock.now().date())
        except DateError as error:
            return error.sentence
        return None

    @staticmethod
    def _choose(options, answer: str) -> str | None:
        if answer.isdigit() and 1 <= int(answer) <= len(options):
            return options[int(answer) - 1].value
        for option in options:
            if answer.lower() in (option.value.lower(), option.label.lower()):
                return option.value
        return None


def run_console(dispatcher: Dispatcher, email: str, *, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout,
                files_dir: Path = FILES_DIR, partnership: str | None = None) -> int:
    console = Console(dispatcher, email, stdin=stdin, stdout=stdout, files_dir=files_dir, partnership=partnership)
    try:
        return asyncio.run(console.run())
    finally:
        dispatcher.close()
