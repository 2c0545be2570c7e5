"""The domain (table_app) and sync never import Qt widgets nor the screens.

The contract lives in pyproject.toml ([tool.importlinter]) and lint-imports
checks it.  import-linter cannot forbid a subpackage of an external package
(PySide6.QtWidgets), so Qt widgets are checked here twice: in the sources
(every import statement, including lazy ones inside functions) and in a fresh
interpreter that imports every module (catching indirect imports, e.g. qasync
pulls in QtWidgets).
"""

import ast
import json
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
# Not resolved: the venv's bin/python may be a symlink to the base interpreter.
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
FORBIDDEN = ("PySide6.QtWidgets", "screens")
DOMAIN_PACKAGES = ("table_app", "sync")

# Runs in a fresh interpreter so that nothing imported by pytest or by other
# tests (pytest-qt imports Qt) can hide or fake a leak.
_IMPORT_EVERYTHING = """
import importlib
import json
import pathlib
import pkgutil
import sys

FORBIDDEN = {forbidden!r}


def reraise(name):
    raise  # walk_packages calls this inside its except block


imported = []
culprits = {{}}


def load(name):
    importlib.import_module(name)
    imported.append(name)
    for module in FORBIDDEN:
        if module in sys.modules and module not in culprits:
            culprits[module] = name


def wanted(name):
    # __main__ would run the CLI; Alembic loads the migration scripts itself
    # and env.py runs migrations as soon as it is imported.
    parts = name.split(".")
    return parts[-1] != "__main__" and "migrations" not in parts


for top in {packages!r}:
    load(top)
    package = sys.modules[top]
    for info in pkgutil.walk_packages(package.__path__, top + ".", onerror=reraise):
        if wanted(info.name):
            load(info.name)
    # walk_packages skips folders without __init__.py (namespace portions):
    # import the modules it did not see straight from the files.
    root = pathlib.Path(package.__file__).parent
    for path in sorted(root.rglob("*.py")):
        parts = [top, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        name = ".".join(parts)
        if name not in imported and wanted(name) and all(p.isidentifier() for p in parts):
            load(name)

print(json.dumps({{"imported": imported, "culprits": culprits}}))
"""


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300, check=False
    )


def test_lint_imports_contract_holds() -> None:
    assert LINT_IMPORTS.exists(), f"{LINT_IMPORTS} is missing: run scripts/setup.sh"
    result = _run([str(LINT_IMPORTS)])
    assert result.returncode == 0, (
        f"lint-imports failed (exit {result.returncode}):\n{result.stdout}\n{result.stderr}"
    )


def _imported_names(tree: ast.AST) -> list[tuple[int, str]]:
    """Every module an import statement names, with its line (relative ones skipped)."""
    names: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.append((node.lineno, node.module))
            names.extend((node.lineno, f"{node.module}.{alias.name}") for alias in node.names)
    return names


def test_domain_sources_never_import_qt_widgets() -> None:
    offenders = []
    for package in DOMAIN_PACKAGES:
        for path in sorted((REPO_ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for lineno, name in _imported_names(tree):
                if name == "PySide6.QtWidgets" or name.startswith("PySide6.QtWidgets."):
                    offenders.append(f"{path.relative_to(REPO_ROOT)}:{lineno}: {name}")
    assert offenders == [], "the domain must not import Qt widgets:\n" + "\n".join(offenders)


def test_domain_modules_do_not_import_qt_widgets() -> None:
    script = _IMPORT_EVERYTHING.format(forbidden=FORBIDDEN, packages=DOMAIN_PACKAGES)
    result = _run([sys.executable, "-c", script])
    assert result.returncode == 0, (
        f"importing table_app/sync failed (exit {result.returncode}):\n"
        f"{result.stdout}\n{result.stderr}"
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(DOMAIN_PACKAGES) <= set(report["imported"])
    assert report["culprits"] == {}, (
        "the domain must not import Qt widgets nor the screens; first module "
        f"that pulled each one in: {report['culprits']}"
    )


#: What each lower layer must never import (the layers above it).
LAYERS_ABOVE = {"table_app": ("sync", "demo", "screens"), "sync": ("demo", "screens")}


def test_domain_sources_never_import_a_layer_above() -> None:
    offenders = []
    for package, above in LAYERS_ABOVE.items():
        for path in sorted((REPO_ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for lineno, name in _imported_names(tree):
                if name.split(".")[0] in above:
                    offenders.append(f"{path.relative_to(REPO_ROOT)}:{lineno}: {name}")
    assert offenders == [], "an arrow runs back up the layers:\n" + "\n".join(offenders)


def test_the_domain_alone_imports_nothing_above_it() -> None:
    forbidden = ("PySide6.QtWidgets", *LAYERS_ABOVE["table_app"])
    script = _IMPORT_EVERYTHING.format(forbidden=forbidden, packages=("table_app",))
    result = _run([sys.executable, "-c", script])
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert "table_app.cli" in report["imported"]
    assert report["culprits"] == {}, f"first module that pulled each one in: {report['culprits']}"


def _lint_fake_tree(tmp_path: Path, files: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The project's own import-linter contracts, run on a small tree holding
    every module they name, and ``files`` (path: source)."""
    for package in ("table_app", "table_app/export", "sync", "screens", "demo"):
        target = tmp_path / package
        target.mkdir()
        (target / "__init__.py").write_text("", encoding="utf-8")
    for module in ("table_app/notes.py", "table_app/pin_command.py", "sync/library.py"):
        (tmp_path / module).write_text("DocumentLibrary = object\n", encoding="utf-8")
    for path, source in files.items():
        (tmp_path / path).write_text(source, encoding="utf-8")
    pyproject = (REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8")
    start = pyproject.index("[tool.importlinter]")
    (tmp_path / ".importlinter.toml").write_text(pyproject[start:], encoding="utf-8")
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", ".importlinter.toml", "--no-cache"],
        cwd=tmp_path,
        env={"PATH": str(LINT_IMPORTS.parent), "PYTHONPATH": str(tmp_path), "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_contract_refuses_the_domain_importing_sync(tmp_path: Path) -> None:
    """The contract bites: the project's own import-linter contracts, run on a
    copy of the tree where one domain module imports the document folder."""
    result = _lint_fake_tree(
        tmp_path, {"table_app/cli.py": "from sync.library import DocumentLibrary\n"}
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "The domain (table_app) imports no layer above it" in result.stdout
    assert "table_app.cli -> sync.library" in result.stdout


def test_the_contract_refuses_an_export_reaching_the_private_notes(tmp_path: Path) -> None:
    """Nothing the session's exports are built from may import the members'
    private notes, even through another module."""
    result = _lint_fake_tree(
        tmp_path,
        {
            "table_app/export/minutes_pdf.py": "from table_app import helper\n",
            "table_app/helper.py": "import table_app.notes\n",
        },
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "cannot reach the members' private notes BROKEN" in result.stdout
    assert "table_app.export.minutes_pdf -> table_app.helper" in result.stdout
