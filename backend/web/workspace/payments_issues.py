"""What is wrong with a refused bank statement, and why matching left a payment to a
person, said in the viewer's language.

The reader (``backend.onec.bank_statement``, ``statement_format``) names each problem in
English for the log and the operator's JSON; the workspace shows the same problem, line by
line, through these patterns. A message no pattern knows is shown as the reader wrote it.
"""

from __future__ import annotations

import re

from flask_babel import gettext, lazy_gettext
from flask_babel.speaklater import LazyString

_ = lazy_gettext
# (pattern over the reader's text, what to say; named groups go into the text)
PATTERNS: tuple[tuple[re.Pattern[str], LazyString], ...] = tuple(
    (re.compile(pattern, re.DOTALL), text)
    for pattern, text in (
        (r"broken document \(from line (?P<start>\d+)\): (?P<reason>.*)",
         _("the document from line %(start)s is broken: %(reason)s")),
        (r"no КонецФайла: the file is cut short",
         _("no КонецФайла: the file is cut short")),
        (r"(?P<kind>.+?): the file ends inside the document",
         _("%(kind)s: the file ends inside the document")),
        (r"(?P<kind>.+?): no КонецДокумента", _("%(kind)s: no КонецДокумента")),
        (r"unexpected line (?P<text>.*)", _("a line that does not belong here: %(text)s")),
        (r"(?P<kind>[^:№]+?): (?P<key>\S+) is missing", _("%(kind)s: %(key)s is missing")),
        (r"(?P<kind>.+?) № (?P<number>.*?): amount must be positive",
         _("%(kind)s № %(number)s: the amount must be above zero")),
        (r"(?P<kind>.+?) № (?P<number>.*?): (?P<key>\S+) is over (?P<limit>\d+) characters",
         _("%(kind)s № %(number)s: %(key)s is longer than %(limit)s characters")),
        (r"(?P<kind>.+?) № (?P<number>.*?): Сумма (?P<value>.*) is not an amount.*",
         _("%(kind)s № %(number)s: Сумма %(value)s is not an amount in roubles and kopecks")),
        (r"(?P<kind>.+?) № (?P<number>.*?): Сумма (?P<value>.*) is over .*",
         _("%(kind)s № %(number)s: Сумма %(value)s is too large for a payment")),
        (r"(?P<kind>.+?) № (?P<number>.*?): (?P<key>\S+) (?P<value>.*) is not a 20-digit account",
         _("%(kind)s № %(number)s: %(key)s %(value)s is not a 20-digit account")),
        (r"(?P<kind>.+?) № (?P<number>.*?): not a (?:calendar )?date.*?: (?P<value>.*)",
         _("%(kind)s № %(number)s: %(value)s is not a date дд.мм.гггг")),
        # why matching left a payment to a person (backend.domain.matching)
        (r"invoice № (?P<number>.+?) named in the purpose belongs to another tenant"
         r" \(INN (?P<inn>\S*)\), the payer's INN is (?P<payer>\S*)",
         _("invoice № %(number)s named in the purpose is another tenant's (INN %(inn)s);"
           " the payer's INN is %(payer)s")),
    )
)  # fmt: skip


def issue_text(message: str, depth: int = 0) -> str:
    """The reader's ``message`` in the viewer's language."""
    for pattern, text in PATTERNS:
        found = pattern.fullmatch(message)
        if found is None:
            continue
        values = found.groupdict()
        if "reason" in values and depth < 2:
            values["reason"] = issue_text(values["reason"], depth + 1)
        return str(text) % values
    return message


def line_text(line: int, message: str) -> str:
    return str(gettext("Line %(line)s: %(text)s", line=line, text=issue_text(message)))
