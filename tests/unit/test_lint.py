import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from streams import lint
from streams.cli import main


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.js").write_text("let a = 1;\nif (a === 2) {}\n")
    (tmp_path / "src" / "typo.js").write_text("let a = 1;\nif (a = = 2) {}\n")
    (tmp_path / "src" / "clean.js").write_text("const b = 2;\nexport default b;\n")
    (tmp_path / "src" / "blob.js").write_bytes(b"\x00\x01binary")
    (tmp_path / "node_modules" / "dep").mkdir(parents=True)
    (tmp_path / "node_modules" / "dep" / "x.js").write_text("let never = 1;\n")
    (tmp_path / "notes.txt").write_text("let x = 1;\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str):
    return CliRunner().invoke(main, ["fix", *args])


def test_json_format_is_eslints(project: Path):
    result = run("--format", "json", "--rule", "prefer-const", "src")
    assert result.exit_code == 1, result.output
    entries = {Path(e["filePath"]).name: e for e in json.loads(result.output)}
    assert set(entries) == {"a.js", "blob.js", "clean.js", "typo.js"}, \
        "node_modules and .txt skipped"
    a = entries["a.js"]
    assert a["errorCount"] == 1 and a["fixableErrorCount"] == 1 and "output" not in a
    [message] = a["messages"]
    assert (message["ruleId"], message["line"], message["column"], message["severity"]) == (
        "prefer-const", 1, 5, 2)
    assert entries["clean.js"]["messages"] == []
    assert entries["blob.js"]["fatalErrorCount"] == 1, "a binary file is reported, not fatal"


def test_fix_dry_run_carries_output_and_writes_nothing(project: Path):
    result = run("--format", "json", "--fix-dry-run", "src/typo.js")
    [entry] = json.loads(result.output)
    assert entry["output"].startswith("const a = 1;\nif (a == 2)")
    assert (project / "src" / "typo.js").read_text() == "let a = 1;\nif (a = = 2) {}\n"


def test_fix_writes_files_and_exits_by_what_remains(project: Path):
    result = run("--fix", "--rule", "prefer-const", "--rule", "no-spaced-equals",
                 "src/typo.js")
    assert result.exit_code == 0, result.output
    assert (project / "src" / "typo.js").read_text() == "const a = 1;\nif (a == 2) {}\n"


def test_rule_options_as_json(project: Path):
    (project / "d.js").write_text("let {a, b} = o;\nb = 1;\n")
    plain = run("--format", "json", "--rule", "prefer-const", "d.js")
    assert json.loads(plain.output)[0]["errorCount"] == 1
    strict = run("--format", "json", "--rule", 'prefer-const:{"destructuring": "all"}', "d.js")
    assert json.loads(strict.output)[0]["errorCount"] == 0


def test_config_from_fixstream_toml(project: Path):
    (project / "fixstream.toml").write_text('rules = ["no-spaced-equals"]\nignores = ["src/c*"]\n')
    result = run("--format", "json", "src")
    entries = json.loads(result.output)
    names = {Path(e["filePath"]).name for e in entries}
    assert "clean.js" not in names
    rules = {m["ruleId"] for e in entries for m in e["messages"]}
    assert rules <= {"no-spaced-equals", None}


def test_config_from_pyproject(project: Path):
    (project / "pyproject.toml").write_text('[tool.fixstream]\nrules = {"prefer-const" = '
                                            '[{destructuring = "all"}]}\n')
    result = run("--format", "json", "src/a.js")
    assert {m["ruleId"] for m in json.loads(result.output)[0]["messages"]} == {"prefer-const"}


@pytest.mark.parametrize("flag", ["nope", "prefer-const:{bad json"])
def test_usage_errors_exit_2(project: Path, flag: str):
    result = run("--rule", flag, "src")
    assert result.exit_code == 2
    assert "error:" in result.output


def test_jobs_give_the_same_results(project: Path):
    for i in range(12):
        (project / "src" / f"m{i}.js").write_text(f"let v{i} = {i};\nexport {{ v{i} }};\n")
    one = json.loads(run("--format", "json", "src").output)
    two = json.loads(run("--format", "json", "--jobs", "2", "src").output)
    assert one == two


def test_stylish_summary(project: Path):
    result = run("--rule", "prefer-const", "src/a.js")
    assert result.exit_code == 1
    assert "1:5" in result.output and "prefer-const" in result.output
    assert "1 problem" in result.output and "fixable with the `--fix` option" in result.output


def test_ecma_version_flag_and_config(project: Path):
    (project / "g.js").write_text("x = globalThis.Math.pow(a, b);\n")
    rule = ("--rule", "prefer-exponentiation-operator")

    def errors(*args: str) -> int:
        return json.loads(run("--format", "json", *rule, *args, "g.js").output)[0]["errorCount"]

    assert errors() == 1  # latest, as ESLint 9
    assert errors("--ecma-version", "2019") == 0
    assert errors("--ecma-version", "6") == 0
    assert errors("--ecma-version", "latest") == 1
    (project / "fixstream.toml").write_text("ecma-version = 2019\n")
    assert errors() == 0
    assert errors("--ecma-version", "2020") == 1, "the flag wins over the config"
    fixed = run("--format", "json", "--fix-dry-run", *rule, "--ecma-version", "11", "g.js")
    assert json.loads(fixed.output)[0]["output"] == "x = a**b;\n"


@pytest.mark.parametrize("value", ["2030", "es2020", "4"])
def test_bad_ecma_version_exits_2(project: Path, value: str):
    result = run("--ecma-version", value, "src")
    assert result.exit_code == 2
    assert "ECMAScript version" in result.output


def test_bad_ecma_version_in_config_exits_2(project: Path):
    (project / "fixstream.toml").write_text('ecma-version = "next"\n')
    result = run("src")
    assert result.exit_code == 2
    assert "ecma-version" in result.output


def _dry_run_outputs(*args: str) -> dict[str, str | None]:
    result = run("--format", "json", "--fix-dry-run", *args)
    return {Path(e["filePath"]).name: e.get("output") for e in json.loads(result.output)}


def test_source_type_comes_from_the_extension_as_in_eslint_9(project: Path):
    # A top-level `return` is a script's (commonjs) statement; in a module it is left alone.
    for name in ("r.cjs", "r.js", "r.mjs"):
        (project / name).write_text("f(); return;\n")
    rule = ("--rule", "no-useless-return")
    outputs = _dry_run_outputs(*rule, "r.cjs", "r.js", "r.mjs")
    assert outputs == {"r.cjs": "f(); \n", "r.js": None, "r.mjs": None}
    assert _dry_run_outputs(*rule, "--source-type", "module", "r.cjs") == {"r.cjs": None}
    assert _dry_run_outputs(*rule, "--source-type", "commonjs", "r.js") == {"r.js": "f(); \n"}
    (project / "fixstream.toml").write_text('source-type = "commonjs"\n')
    assert _dry_run_outputs(*rule, "r.mjs") == {"r.mjs": "f(); \n"}
    assert _dry_run_outputs(*rule, "--source-type", "module", "r.mjs") == {"r.mjs": None}, \
        "the flag wins over the config"


def test_lint_file_defaults_the_source_type_by_extension(project: Path):
    (project / "r.cjs").write_text("f(); return;\n")
    result = lint.lint_file(str(project / "r.cjs"), {"no-useless-return": None}, None, fix=True)
    assert result.output == "f(); \n"
    assert lint.default_source_type("a.cjs") == "commonjs"
    assert lint.default_source_type("a.js") == lint.default_source_type("a.mjs") == "module"


def test_bad_source_type_in_config_exits_2(project: Path):
    (project / "fixstream.toml").write_text('source-type = "esm"\n')
    result = run("src")
    assert result.exit_code == 2
    assert "source-type" in result.output


@pytest.fixture()
def tree(project: Path) -> Path:
    """Folders ESLint 9 walks or leaves out by default."""
    for name in ("dist/d.js", "build/b.js", ".hidden/h.js", "src/dist/s.js", "lib/x.min.js",
                 "x.min.js", "a/node_modules/m.js", ".git/g.js", "sub/.git/s.js", "coverage/c.js"):
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text("x;\n")
    return project


def walked(*args: str) -> list[str]:
    result = run("--format", "json", "--rule", "eqeqeq", *args)
    assert result.exit_code in (0, 1), result.output
    root = Path.cwd().resolve()
    return sorted(Path(e["filePath"]).relative_to(root).as_posix()
                  for e in json.loads(result.output))


_EVERYTHING = [".hidden/h.js", "build/b.js", "coverage/c.js", "dist/d.js", "lib/x.min.js",
               "src/a.js", "src/blob.js", "src/clean.js", "src/dist/s.js", "src/typo.js",
               "sub/.git/s.js", "x.min.js"]


def test_walk_leaves_out_only_eslints_default_ignores(tree: Path):
    # ESLint 9: `**/node_modules/` and the working folder's `.git/`; build output and dot
    # folders are checked (checked against eslint 9.39 on the same tree).
    assert walked(".") == _EVERYTHING


@pytest.mark.parametrize(
    ("pattern", "left_out"),
    [
        ("dist/", ["dist/d.js"]),  # the folder beside the base only
        ("dist", ["dist/d.js"]),
        ("**/dist/", ["dist/d.js", "src/dist/s.js"]),
        ("*.min.js", ["x.min.js"]),
        ("**/*.min.js", ["lib/x.min.js", "x.min.js"]),
        ("src/c*", ["src/clean.js"]),
        ("src/**", ["src/a.js", "src/blob.js", "src/clean.js", "src/dist/s.js", "src/typo.js"]),
        ("{build,coverage}/", ["build/b.js", "coverage/c.js"]),
        ("**/.hidden", [".hidden/h.js"]),
    ],
)
def test_ignore_pattern_flag_is_eslints(tree: Path, pattern: str, left_out: list[str]):
    assert walked("--ignore-pattern", pattern, ".") == sorted(set(_EVERYTHING) - set(left_out))


def test_negated_pattern_takes_a_default_ignore_back(tree: Path):
    assert "node_modules/dep/x.js" in walked("--ignore-pattern", "!node_modules/", ".")
    assert "a/node_modules/m.js" not in walked("--ignore-pattern", "!node_modules/", ".")


def test_config_ignores_are_relative_to_the_config_file(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tree / "fixstream.toml").write_text('ignores = ["dist/", "**/*.min.js"]\n')
    assert walked(".") == sorted(set(_EVERYTHING) - {"dist/d.js", "lib/x.min.js", "x.min.js"})
    monkeypatch.chdir(tree / "src")  # the config above still applies, from its own folder
    result = run("--format", "json", "--rule", "eqeqeq", ".")
    names = sorted(Path(e["filePath"]).relative_to(tree).as_posix()
                   for e in json.loads(result.output))
    assert "src/dist/s.js" in names


def test_ignores_must_be_a_list_of_globs(project: Path):
    (project / "fixstream.toml").write_text('ignores = "dist/"\n')
    result = run("src")
    assert result.exit_code == 2 and "ignores" in result.output


def test_ignore_rules_without_io():
    base = Path("/project")
    rules = lint.IgnoreRules.of(base, ["build/", "*.log.js", "!keep.log.js"])
    assert rules.ignores(base / "build", folder=True)
    assert not rules.ignores(base / "build", folder=False), "a trailing / matches folders only"
    assert rules.ignores_within(base / "build" / "deep" / "f.js", folder=False)
    assert rules.ignores(base / "a.log.js", folder=False)
    assert not rules.ignores(base / "keep.log.js", folder=False)
    assert not rules.ignores(base / "sub" / "a.log.js", folder=False)
    assert not rules.ignores(Path("/elsewhere/build"), folder=True), "outside the base"


# Files named directly and folders with nothing to check, as eslint 9.39 answers them
# (checked on the same layout: warnings with exit 0, or exit 2 for a folder).
def test_a_named_file_that_is_ignored_gets_eslints_warning(project: Path):
    result = run("--format", "json", "--rule", "eqeqeq", "--ignore-pattern", "src/typo.js",
                 "src/typo.js", "node_modules/dep/x.js")
    assert result.exit_code == 0, result.output  # warnings alone
    entries = {Path(e["filePath"]).name: e for e in json.loads(result.output)}
    assert entries["typo.js"]["messages"] == [
        {"ruleId": None, "fatal": False, "severity": 1, "message": lint.IGNORED_BY_PATTERN,
         "nodeType": None}]
    assert (entries["typo.js"]["errorCount"], entries["typo.js"]["warningCount"]) == (0, 1)
    assert entries["x.js"]["messages"][0]["message"] == lint.IGNORED_NODE_MODULES
    assert "!**/node_modules/" in lint.IGNORED_NODE_MODULES


def test_ignored_warning_in_stylish(project: Path):
    result = run("--ignore-pattern", "src/a.js", "--rule", "no-spaced-equals",
                 "src/a.js", "src/typo.js")
    assert result.exit_code == 1, result.output  # the typo is an error
    assert "0:0" in result.output and "warning" in result.output
    assert "2 problems (1 error, 1 warning)" in result.output


def test_no_warn_ignored_and_no_ignore(project: Path):
    result = run("--format", "json", "--no-warn-ignored", "--ignore-pattern", "src/a.js",
                 "src/a.js")
    assert (result.exit_code, json.loads(result.output)) == (0, [])
    result = run("--format", "json", "--rule", "prefer-const", "--no-ignore",
                 "--ignore-pattern", "src/a.js", "src/a.js", "node_modules/dep/x.js")
    entries = {Path(e["filePath"]).name: e for e in json.loads(result.output)}
    assert entries["a.js"]["messages"][0]["ruleId"] == "prefer-const", "checked after all"
    assert entries["x.js"]["messages"][0]["message"] == lint.IGNORED_NODE_MODULES, \
        "--no-ignore keeps the default ignores, as ESLint 9"


def test_a_folder_with_nothing_to_check_exits_2(project: Path):
    (project / "empty").mkdir()
    for folder in ("node_modules", "empty"):
        result = run(folder)
        assert result.exit_code == 2, result.output
        assert "--no-error-on-unmatched-pattern" in result.output
        assert run("--no-error-on-unmatched-pattern", folder).exit_code == 0
    assert "are ignored" in run("node_modules").output
    assert "no files matching" in run("empty").output


def test_files_are_reported_in_path_order_as_eslint_does(project: Path):
    result = run("--format", "json", "--rule", "eqeqeq", "src/typo.js", "src/a.js",
                 "src/clean.js")
    paths = [e["filePath"] for e in json.loads(result.output)]
    assert paths == sorted(paths) and len(paths) == 3


def test_max_warnings(project: Path):
    args = ("--ignore-pattern", "src/a.js", "src/a.js")
    assert run(*args).exit_code == 0
    assert run("--max-warnings", "1", *args).exit_code == 0
    result = run("--max-warnings", "0", *args)
    assert result.exit_code == 1 and "too many warnings" in result.output
