"""The package commands' terminal tables (list-tf-packages, count-packages -v); piped, they print plain lines."""

from __future__ import annotations

from envcheck.i18n import _


def shown(version: str | None) -> str:
    return "?" if version is None else version  # METADATA without a Version: keep two columns


def tf_packages_table(rows, prefixes):
    from rich.table import Table  # terminal only

    title = _("Installed distributions starting with {prefixes}").format(prefixes=", ".join(prefixes))
    table = Table(title=title, title_justify="left")
    for column in (_("Name"), _("Version"), _("Location"), _("Installer")):
        table.add_column(column, overflow="fold")
    for row in rows:
        editable = _("  (editable: {location})").format(location=row.editable_project_location) if row.editable else ""
        location = row.location + editable
        table.add_row(row.name, shown(row.version), location, row.installer or "-")
    return table


def count_table(count, per_location, python):
    from rich.table import Table  # terminal only

    title = _("{count} distributions for {executable}").format(count=count, executable=python.executable)
    table = Table(title=title, title_justify="left")
    table.add_column(_("Location"), overflow="fold")
    table.add_column(_("Distributions"), justify="right")
    for location, n in per_location.items():
        table.add_row(location, str(n))
    return table
