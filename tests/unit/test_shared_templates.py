"""The suite's shared template cache (``tests/shared_templates.py``): a second app renders a
template the first one compiled without compiling it again, and an edited template is
compiled afresh."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
import pytest
from flask import Flask, render_template_string

from tests.shared_templates import share_templates


def _render(folder: Path, name: str) -> str:
    app = Flask("shared_templates_test", template_folder=str(folder))
    with app.app_context():
        return app.jinja_env.get_template("hello.html").render(name=name)


def test_a_second_app_reuses_the_compiled_template_and_an_edit_is_compiled_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    share_templates()
    share_templates()  # twice: the same cache
    compiled: list[str | None] = []
    compile_template = jinja2.Environment.compile

    def counting(self: jinja2.Environment, source: Any, name: str | None = None, *a: Any) -> Any:
        compiled.append(name)
        return compile_template(self, source, name, *a)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    (tmp_path / "hello.html").write_text("Здравствуйте, {{ name }}!")

    assert _render(tmp_path, "Анна") == "Здравствуйте, Анна!"
    assert _render(tmp_path, "Борис") == "Здравствуйте, Борис!"
    assert compiled == ["hello.html"]

    (tmp_path / "hello.html").write_text("Добрый день, {{ name }}.")
    assert _render(tmp_path, "Вера") == "Добрый день, Вера."
    assert compiled == ["hello.html", "hello.html"]


def test_strings_rendered_without_a_file_still_work() -> None:
    share_templates()
    with Flask("shared_templates_string").app_context():
        assert render_template_string("{{ 2 + 2 }}") == "4"
