// Walks over tree-sitter's own subtrees: the visible nodes of a tree, or of one
// node's children, without a TSTreeCursor.
//
// A cursor keeps a stack of entries and builds a TSNode for every node it stops at,
// anonymous tokens included; the walks here read the subtrees in place and build a
// TSNode only for the nodes they report. What they report is exactly what a cursor
// (ts_tree_cursor_goto_first_child / goto_next_sibling) visits, in the same order,
// with the same TSNode values: children follow the same rules for hidden nodes,
// aliases and extras as tree-sitter's own node.c and tree_cursor.c, from the
// headers of the tree-sitter crate this library links (build.rs).
// tests/unit/test_native_core.py holds what the walks find (node identity, range,
// start point, kind) to the Python walks, which move py-tree-sitter's cursor.

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "tree_sitter/api.h"
#include "./language.h"
#include "./length.h"
#include "./subtree.h"
#include "./tree.h"

typedef void (*fs_emit)(void *context, TSNode node, TSSymbol kind);

// One subtree whose children are being read: where the next child starts (before
// its padding, except for the first child) and the alias sequence of its production.
typedef struct {
  Subtree parent;
  const TSSymbol *aliases;
  Length position;
  uint32_t index;
  uint32_t structural;
} Level;

typedef struct {
  Level *levels;
  uint32_t size;
  uint32_t capacity;
  Level inline_levels[64];
} Stack;

static inline void stack_init(Stack *stack) {
  stack->levels = stack->inline_levels;
  stack->size = 0;
  stack->capacity = 64;
}

static inline void stack_free(Stack *stack) {
  if (stack->levels != stack->inline_levels) free(stack->levels);
}

// Returns false when memory runs out.
static inline bool stack_push(Stack *stack, const TSLanguage *language, Subtree parent, Length position) {
  if (stack->size == stack->capacity) {
    uint32_t capacity = stack->capacity * 2;
    Level *levels = malloc(sizeof(Level) * capacity);
    if (levels == NULL) return false;
    for (uint32_t i = 0; i < stack->size; i++) levels[i] = stack->levels[i];
    stack_free(stack);
    stack->levels = levels;
    stack->capacity = capacity;
  }
  stack->levels[stack->size++] = (Level){
    .parent = parent,
    .aliases = ts_language_alias_sequence(language, parent.ptr->production_id),
    .position = position,
    .index = 0,
    .structural = 0,
  };
  return true;
}

// The next child of the top level: its slot, start and alias (what node.c's child
// iterator computes). The caller has checked that one is left.
static inline const Subtree *next_child(Level *top, Length *position, TSSymbol *alias) {
  const Subtree *child = &ts_subtree_children(top->parent)[top->index];
  *alias = 0;
  if (!ts_subtree_extra(*child)) {
    if (top->aliases) *alias = top->aliases[top->structural];
    top->structural++;
  }
  if (top->index > 0) top->position = length_add(top->position, ts_subtree_padding(*child));
  *position = top->position;
  top->position = length_add(top->position, ts_subtree_size(*child));
  top->index++;
  return child;
}

static inline bool metadata_named(const TSLanguage *language, TSSymbol symbol) {
  if (symbol == ts_builtin_sym_error) return true;
  if (symbol == ts_builtin_sym_error_repeat) return false;
  return language->symbol_metadata[symbol].named;
}

static inline TSSymbol public_symbol(const TSLanguage *language, TSSymbol symbol) {
  if (symbol == ts_builtin_sym_error) return symbol;
  return language->public_symbol_map[symbol];
}

// Whether a child with this alias is visible (a cursor stops there); and named.
static inline bool is_visible(Subtree child, TSSymbol alias) {
  return alias || ts_subtree_visible(child);
}

static inline bool is_named(const TSLanguage *language, Subtree child, TSSymbol alias) {
  return alias ? metadata_named(language, alias) : ts_subtree_named(child);
}

static inline TSNode make_node(const TSTree *tree, const Subtree *slot, Length position, TSSymbol alias) {
  return (TSNode){
    {position.bytes, position.extent.row, position.extent.column, alias},
    slot,
    tree,
  };
}

// The one walk behind both entry points below: the visible named nodes under
// `node`, in preorder, each with its kind (public symbol) when `wanted` is NULL or
// has a non-zero entry for it (`wanted_count` entries). `whole_tree`: `node` itself
// and every descendant; else only `node`'s children, as a cursor visits them (its
// visible children, looking through hidden ones). Returns 0, or -1 when memory ran
// out (the walk is then incomplete). Inlined into each entry point, so that each
// is compiled for its own `whole_tree` and `wanted`.
static inline __attribute__((always_inline)) int walk(
    TSNode node, bool whole_tree, const uint8_t *wanted, uint32_t wanted_count,
    fs_emit emit, void *context) {
  const TSTree *tree = node.tree;
  const TSLanguage *language = tree->language;
  const Subtree *slot = (const Subtree *)node.id;
  if (whole_tree) {
    TSSymbol alias = (TSSymbol)node.context[3];
    if (is_named(language, *slot, alias)) {
      TSSymbol kind = public_symbol(language, alias ? alias : ts_subtree_symbol(*slot));
      if (!wanted || (kind < wanted_count && wanted[kind])) emit(context, node, kind);
    }
  }
  if (ts_subtree_child_count(*slot) == 0) return 0;
  Stack stack;
  stack_init(&stack);
  Length start = {node.context[0], {node.context[1], node.context[2]}};
  if (!stack_push(&stack, language, *slot, start)) return -1;
  while (stack.size > 0) {
    Level *top = &stack.levels[stack.size - 1];
    if (top->index == top->parent.ptr->child_count) {
      stack.size--;
      continue;
    }
    Length position;
    TSSymbol alias;
    const Subtree *child = next_child(top, &position, &alias);
    Subtree value = *child;
    bool visible = is_visible(value, alias);
    if (visible && is_named(language, value, alias)) {
      TSSymbol kind = public_symbol(language, alias ? alias : ts_subtree_symbol(value));
      if (!wanted || (kind < wanted_count && wanted[kind])) {
        emit(context, make_node(tree, child, position, alias), kind);
      }
    }
    // A visible child ends a children walk; a hidden one is looked through.
    if ((whole_tree || !visible) && ts_subtree_child_count(value) > 0 &&
        !stack_push(&stack, language, value, position)) {
      stack_free(&stack);
      return -1;
    }
  }
  stack_free(&stack);
  return 0;
}

// Every visible named node under `root` (`root` included) whose kind has a
// non-zero entry in `wanted`, in preorder.
int fs_walk_named(TSNode root, const uint8_t *wanted, uint32_t wanted_count, fs_emit emit, void *context) {
  return walk(root, true, wanted, wanted_count, emit, context);
}

// The named children of `node` that a cursor visits, in order.
int fs_named_children(TSNode node, fs_emit emit, void *context) {
  return walk(node, false, NULL, 0, emit, context);
}
