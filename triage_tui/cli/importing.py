"""`triage import`: history from spreadsheets."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from triage_tui.cli.base import actor, common, main, services
from triage_tui.cli.output import emit_json
from triage_tui.domain.text import visible_line

# import ------------------------------------------------------------------------------------------------------


@main.command("import")
@common
@click.argument("file", type=click.Path(path_type=Path, dir_okay=True))
@click.option("--dry-run", is_flag=True, help="Check everything and count what would happen; write nothing.")
@click.option("--skip-invalid", is_flag=True, help="Import the good rows; report the bad ones (exit 3).")
@click.option(
    "--rejects",
    type=click.Path(path_type=Path, dir_okay=False),
    help="With --skip-invalid: write the bad rows here, with an error column, to fix and import again. "
    "Never the database or the file being read; refused if it exists unless --force.",
)
@click.option("--force", is_flag=True, help="Replace the --rejects file if it exists.")
@click.option(
    "--create-officers", is_flag=True, help="Add officers the file names that do not exist yet (supervisors only)."
)
@click.option(
    "--ignore-unknown", is_flag=True, help="Skip columns this program does not know instead of refusing the file."
)
@click.option("--json", "as_json", is_flag=True, help="Print the counts and every problem as JSON.")
@click.option("--chunk-size", type=click.IntRange(min=1), default=10_000, hidden=True)
@click.pass_context
def import_file(
    ctx: click.Context,
    file: Path,
    dry_run: bool,
    skip_invalid: bool,
    rejects: Path | None,
    force: bool,
    create_officers: bool,
    ignore_unknown: bool,
    as_json: bool,
    chunk_size: int,
) -> int:
    """Import cases from a CSV file or the first sheet of an XLSX workbook (see the README for the columns)."""
    from triage_tui.importer.progress import progress_reporter
    from triage_tui.importer.run import ImportOptions, run_import

    if rejects is not None and not skip_invalid:
        raise click.UsageError("--rejects goes with --skip-invalid (without it, a bad row stops the import)")
    options = ImportOptions(
        dry_run=dry_run,
        skip_invalid=skip_invalid,
        rejects=rejects,
        force=force,
        create_officers=create_officers,
        ignore_unknown=ignore_unknown,
        chunk=chunk_size,
    )
    with progress_reporter(enabled=not as_json and sys.stderr.isatty()) as progress:
        result = run_import(services(ctx), actor(ctx), file, options, progress)
    if as_json:
        emit_json(result.to_json())
    name = visible_line(file.name)
    if result.rejected and not skip_invalid:
        if not as_json:
            noun = "row has a problem" if result.rejected == 1 else "rows have problems"
            click.echo(f"error: {name}: {result.rejected} {noun}; nothing was imported", err=True)
            _problems(result.errors)
        return 2
    if not as_json:
        read_as = " (read as Windows-1252: not UTF-8)" if result.encoding == "cp1252" else ""
        verb = "would import" if dry_run else "imported"
        parts = [f"{result.rows} rows", f"{result.imported} {verb}", f"{result.duplicates} duplicates"]
        if result.rejected:
            parts.append(
                f"{result.rejected} rejected"
                + (f" (written to {visible_line(str(rejects))})" if rejects and not dry_run else "")
            )
        if result.created_officers:
            parts.append(f"officers {'to create' if dry_run else 'created'}: {', '.join(result.created_officers)}")
        click.echo(f"{name}: " + ", ".join(parts) + read_as + ("; dry run, nothing written" if dry_run else ""))
        _problems(result.errors)
    return 3 if result.rejected else 0


def _problems(errors: list[tuple[int, str, str]]) -> None:
    """One line per problem; column names and messages can quote the file, so no control character gets through."""
    for line, column, message in errors:
        click.echo(f"line {line}: {visible_line(column)}: {visible_line(message)}", err=True)
