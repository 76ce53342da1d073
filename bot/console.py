"""The console chat: type commands as a member would; buttons print as the commands they run.

Piped input (not a terminal) runs one command per line and prints each reply, so scripts can
drive it. A form asks its fields one by one on the following lines, checking each answer as it
is given; `cancel`, `quit` or any command typed at a question leaves the form, and the command runs.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import TextIO

from handlers.core import REGISTRY, parse_command
from handlers.dispatch import Dispatcher, Who, masked
from handlers.forms import answer_problem
from messages.plain import render_plain
from messages.reply import FieldKind, Form, FormField, Reply
from models.partnership import Member

PROMPT = "you> "
QUIT = {"quit", "exit", "bye", ":q"}
LEAVE = QUIT | {"cancel", "stop"}  # typed at a form's question, each leaves the form unsent
FREE_TEXT = (FieldKind.TEXT, FieldKind.TEXTAREA)
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
        self.next_line: str | None = None  # a command typed at a form's question, run once the form is left
        self.quitting = False
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
        while not self.quitting:
            line, self.next_line = (self.next_line, None) if self.next_line is not None else (self.read(PROMPT), None)
            if line is None or line.strip().lower() in QUIT:
                return 0
            if not line.strip():
                continue
            await self.send(line)
        return 0

    async def send(self, line: str, form: dict[str, str] | None = None) -> Reply:
        reply = await self.dispatcher.handle(parse_command(line, platform="console", form=form), self.who)
        self.write(render_plain(reply))
        if reply.files:
            self.save_files(reply)
        self.write()
        self.show_notices()
        if reply.form is not None:
            came_back = form is not None and bool(reply.errors)  # the answers sent, refused: ask only those
            values = self.fill(reply.form, sent=form if came_back else None, errors=reply.errors)
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

    def fill(self, form: Form, *, sent: dict[str, str] | None = None,
             errors: dict[str, str] | None = None) -> dict[str, str] | None:
        """Ask each field of a form in turn, checking each answer as it is given (the rules the
        handler applies when the form comes back) and asking again for that one only. A form that
        came back refused (`sent` and its `errors`) asks only the fields marked, keeping the rest.
        None when the person leaves the form: `cancel`, `quit`, or a command, which then runs."""
        self.write(f"{form.title} (type `cancel` to leave it)")
        if form.intro:
            self.write(form.intro)
        marked = {name for name in errors or {} if any(f.name == name for f in form.fields)}
        values: dict[str, str] = {}
        for field in form.fields:
            if sent is not None and marked and field.name not in marked:
                values[field.name] = sent.get(field.name) or ""
                continue
            answer = self.ask(field)
            if answer is None:
                return None
            values[field.name] = answer
        return values

    def ask(self, field: FormField) -> str | None:
        """One field's answer, asked until it meets the field's rules; None when the person left."""
        today = self.dispatcher.today_for(self.who)
        while True:
            for i, option in enumerate(field.options, start=1):
                self.write(f"  {i}. {option.label}")
            if field.hint:
                self.write(f"  {field.hint}")
            optional = "" if field.required else " (optional, Enter to skip)"
            default = f" [{field.initial}]" if field.initial else ""
            typed = self.read(f"{field.bare_label}{optional}{default}: ")
            if typed is None:
                return self.leave(quit_too=True)
            typed = typed.strip()
            if typed.lower() in LEAVE:
                return self.leave(quit_too=typed.lower() in QUIT)
            answer = typed or (field.initial or "")
            chosen = self._choose(field.options, answer) if field.options and answer else answer
            problem = None if chosen is None else answer_problem(field, chosen, today)
            if self._is_command(typed, field) and (field.kind in FREE_TEXT or chosen is None or problem):
                return self.leave(then=typed)
            if chosen is None:
                self.write("Please pick one of the numbers above (or type `cancel` to leave the form).")
            elif problem is None:
                return chosen
            else:
                self.write(masked(problem, today))  # as a reply's problems are shown: never a child's details

    def leave(self, *, quit_too: bool = False, then: str | None = None) -> None:
        """Leave the form unsent; `then`: the command typed instead, which runs next."""
        self.write("Left the form; nothing was saved.")
        self.write()
        self.quitting = self.quitting or quit_too
        self.next_line = then
        return None

    @staticmethod
    def _is_command(typed: str, field: FormField) -> bool:
        """Whether an answer is a command rather than an answer. In a text answer only a command on its
        own (`help`) or a two-word one (`action done 2`) counts, so "home visits missed" stays an answer."""
        if not typed:
            return False
        cmd = parse_command(typed)
        if cmd.verb not in REGISTRY:
            return False
        return field.kind not in FREE_TEXT or not cmd.text or " " in cmd.verb

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
