"""``rentflow widget``: build the amoCRM widget archive."""

from __future__ import annotations

from pathlib import Path

import click

from backend.config import Settings


@click.group()
def widget() -> None:
    """The amoCRM widget."""


@widget.command()
@click.option("--out", type=click.Path(path_type=Path), default=None, help="default var/widget.zip")
@click.option("--base-url", default=None, help="rentflow's public URL (default PUBLIC_BASE_URL)")
@click.option("--code", default="", help="the widget code amoCRM gave the integration")
@click.option("--secret-key", default="", help="the integration's secret key")
def build(out: Path | None, base_url: str | None, code: str, secret_key: str) -> None:
    """Check manifest.json and widget/amocrm/ and write the installable widget.zip."""
    from crm_mappings.amocrm.widget_package import InvalidWidget, build_widget

    settings = Settings.from_env()
    target = out or settings.var_dir / "widget.zip"
    try:
        path = build_widget(
            target, base_url or settings.public_base_url, code=code, secret_key=secret_key
        )
    except InvalidWidget as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(str(path))
