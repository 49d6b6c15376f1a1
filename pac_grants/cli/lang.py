"""``--lang fr|ar`` (or ``PAC_LANG``) of the commands that print tables for people
(issue 12): labels from :mod:`pac_grants.i18n`, money from :mod:`pac_grants.display`.
JSON and CSV output do not change with the language."""

from __future__ import annotations

import click

from pac_grants.i18n import DEFAULT, LANGS

lang_option = click.option(
    "--lang", type=click.Choice(LANGS), envvar="PAC_LANG", default=DEFAULT, show_default=True,
    show_envvar=True, help="Language of tables and text: French or Arabic.",
)
