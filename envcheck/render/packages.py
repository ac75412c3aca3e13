"""The package commands' terminal tables (list-tf-packages, count-packages -v); piped, they print plain lines."""

from __future__ import annotations


def shown(version: str | None) -> str:
    return "?" if version is None else version  # METADATA without a Version: keep two columns


def tf_packages_table(rows, prefixes):
    from rich.table import Table  # terminal only

    table = Table(title=f"Installed distributions starting with {', '.join(prefixes)}", title_justify="left")
    for column in ("Name", "Version", "Location", "Installer"):
        table.add_column(column, overflow="fold")
    for row in rows:
        location = row.location + (f"  (editable: {row.editable_project_location})" if row.editable else "")
        table.add_row(row.name, shown(row.version), location, row.installer or "-")
    return table


def count_table(count, per_location, python):
    from rich.table import Table  # terminal only

    table = Table(title=f"{count} distributions for {python.executable}", title_justify="left")
    table.add_column("Location", overflow="fold")
    table.add_column("Distributions", justify="right")
    for location, n in per_location.items():
        table.add_row(location, str(n))
    return table
