"""patterns.scope: scopes, declarations, references and their resolution."""

from __future__ import annotations

import pytest

from patterns import parse
from patterns.scope import Scope, ScopeManager, SourceType, Variable, analyze_scopes

pytestmark = pytest.mark.usefixtures("walks")  # each test with both walks


def analyze(
    code: str, source_type: SourceType = "script", language: str = "javascript"
) -> ScopeManager:
    return analyze_scopes(parse(code, language), source_type)


def variable(manager: ScopeManager, name: str, kind: str | None = None) -> Variable:
    found = [
        v for v in manager.variables() if v.name == name and (kind is None or v.scope.kind == kind)
    ]
    assert len(found) == 1, found
    return found[0]


def flags(v: Variable) -> list[str]:
    return [("r" if r.is_read else "") + ("w" if r.is_write else "") for r in v.references]


def test_source_types_choose_the_program_scope() -> None:
    script = analyze("let a = 1;", "script")
    assert script.program_scope is script.global_scope
    assert "a" in script.global_scope.variables
    module = analyze("let a = 1;", "module")
    assert module.program_scope.kind == "module"
    assert module.program_scope.parent is module.global_scope
    assert "a" in module.program_scope.variables
    commonjs = analyze("let a = 1;", "commonjs")
    assert commonjs.program_scope.kind == "function"


def test_var_hoists_to_the_function_and_let_stays_in_the_block() -> None:
    manager = analyze("function f() { { var v = 1; let l = 2; } }")
    v = variable(manager, "v")
    l_ = variable(manager, "l")
    assert v.scope.kind == "function"
    assert l_.scope.kind == "block"
    assert [d.kind for d in v.definitions] == ["var"]
    # The initialising write is made from the block even though v lives in f.
    assert v.references[0].scope.kind == "block"
    assert v.references[0].is_init


def test_reference_flags() -> None:
    manager = analyze("let a = 0; a = 1; a += 2; a++; f(a); [a] = [a]; ({a} = o); for (a of xs);")
    assert flags(variable(manager, "a")) == ["w", "w", "rw", "rw", "r", "w", "r", "w", "w"]


def test_declarations_without_init_have_no_write() -> None:
    manager = analyze("let a; var b; a = 1;")
    assert flags(variable(manager, "a")) == ["w"]
    assert variable(manager, "b").references == []


def test_shadowing_resolves_to_the_nearest_binding() -> None:
    manager = analyze("let x = 0; function f(x) { x = 1; } { let x = 2; x; } x;")
    outer = variable(manager, "x", "global")
    param = variable(manager, "x", "function")
    inner = variable(manager, "x", "block")
    assert flags(outer) == ["w", "r"]
    assert flags(param) == ["w"]
    assert flags(inner) == ["w", "r"]
    assert [d.kind for d in param.definitions] == ["param"]


def test_through_lists_references_resolved_further_out() -> None:
    manager = analyze("let a; { let b; ({ a, b } = obj); }")
    block = variable(manager, "b").scope
    assert sorted(r.name for r in block.through) == ["a", "obj"]
    assert [r.name for r in manager.global_scope.through] == ["obj"]


def test_function_scopes_and_parameters() -> None:
    manager = analyze(
        "const f = function g(a, {b}, [c = 1], ...d) { return g; }; const h = (e) => e;"
    )
    g = variable(manager, "g")
    assert g.scope.kind == "function-expression-name"
    assert flags(g) == ["r"]
    for name in "abcde":
        assert variable(manager, name).definitions[0].kind == "param"
    assert flags(variable(manager, "c")) == ["w"]  # the default value writes
    fn_scopes = [s for s in manager.scopes if s.kind == "function"]
    assert "arguments" in fn_scopes[0].variables
    assert "arguments" not in fn_scopes[1].variables  # arrows have none


def test_hoisted_function_declarations_resolve_before_their_position() -> None:
    manager = analyze("f(); function f() {}")
    f = variable(manager, "f")
    assert [d.kind for d in f.definitions] == ["function"]
    assert flags(f) == ["r"]


def test_class_scopes() -> None:
    manager = analyze(
        "class C extends B { static { let s = 1; } x = C; m() { return C; } }; let a = 1;"
    )
    kinds = [s.kind for s in manager.scopes]
    assert "class" in kinds
    assert "class-static-block" in kinds
    assert "class-field-initializer" in kinds
    inner = variable(manager, "C", "class")
    assert flags(inner) == ["r", "r"]
    assert variable(manager, "s").scope.kind == "class-static-block"


def test_loop_switch_and_catch_scopes() -> None:
    manager = analyze(
        "for (let i = 0; i < 1; i++) {} for (const k in o) {} "
        "switch (v) { case 1: let w = 1; } try {} catch (err) { let e = err; }"
    )
    assert variable(manager, "i").scope.kind == "for"
    assert variable(manager, "k").scope.kind == "for"
    assert variable(manager, "w").scope.kind == "switch"
    assert variable(manager, "err").scope.kind == "catch"
    assert variable(manager, "e").scope.kind == "block"


def test_declarations_record_loops_and_ranges() -> None:
    code = "for (let i = 0;;) {} for (let [a, b] of xs) {} let c = 1, d;"
    manager = analyze(code)
    by_kind = [(d.kind, d.loop, [v.name for v in d.variables]) for d in manager.declarations]
    assert by_kind == [
        ("let", "for-init", ["i"]),
        ("let", "for-in", ["a", "b"]),
        ("let", None, ["c", "d"]),
    ]
    head = manager.declarations[1]
    assert code.encode()[head.start_byte : head.end_byte] == b"let [a, b]"


def test_names_that_are_not_variables_are_not_references() -> None:
    manager = analyze(
        "let a = 1; o.a; o = {a: 1, [a]: 2}; label: for (;;) break label; <a.b c='1' />;",
        "module",
    )
    assert flags(variable(manager, "a")) == ["w", "r"]  # only the computed key


def test_imports_and_exports() -> None:
    manager = analyze("import d, { x as y, z } from 'm'; export { y }; export default z;", "module")
    for name in ("d", "y", "z"):
        assert variable(manager, name).definitions[0].kind == "import"
    assert flags(variable(manager, "y")) == ["r"]
    assert flags(variable(manager, "z")) == ["r"]


def test_references_inside_syntax_errors_count_as_writes() -> None:
    manager = analyze("let x = 1; foo(x ++ +;")
    assert all(r.is_write for r in variable(manager, "x").references)


def test_typescript_types_are_not_references() -> None:
    manager = analyze(
        "let x: Foo = 1; type T = typeof x; let y = x as Bar; function f(a?: number, b: T = 2) {}",
        "module",
        "typescript",
    )
    assert flags(variable(manager, "x")) == ["w", "r"]
    assert variable(manager, "a").definitions[0].kind == "param"
    assert flags(variable(manager, "b")) == ["w"]


def test_enclosing_scope() -> None:
    code = "function f() { { let q = 1; } }"
    manager = analyze(code)
    q = variable(manager, "q")
    node = q.definitions[0].name
    scope: Scope = manager.enclosing_scope(node)
    assert scope.kind == "block"
    assert scope.variable_scope.kind == "function"
    assert scope.lookup("f") is variable(manager, "f")


def test_very_deep_nesting_does_not_exhaust_the_stack() -> None:
    manager = analyze("let a = 1;" + "{" * 5000 + "a;" + "}" * 5000)
    assert flags(variable(manager, "a")) == ["w", "r"]


def test_member_objects_and_computed_keys_are_referenced_in_order() -> None:
    manager = analyze_scopes(parse("({[a]: b.c, d: e[f], [g.h]: i, j});"), "module")
    assert [r.name for r in manager.references] == ["a", "b", "e", "f", "g", "i", "j"]
