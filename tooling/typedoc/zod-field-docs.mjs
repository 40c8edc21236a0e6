// A TypeDoc plugin: a driver's config schema documents its fields at runtime, with zod's
// `.describe(text)` (or a helper taking the text first), which is what `volback drivers` prints.
// TSDoc on each field would repeat that text, so the field's page shows it instead, and the
// notDocumented check counts a described field as documented. Fields without a description stay flagged.
import ts from 'typescript';
import { Comment, Converter, ReflectionKind } from 'typedoc';

/** The text of a string literal or a `+` of them; undefined for anything computed. */
function literal(node) {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isParenthesizedExpression(node)) return literal(node.expression);
  if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken) {
    const left = literal(node.left);
    const right = literal(node.right);
    return left !== undefined && right !== undefined ? left + right : undefined;
  }
  return undefined;
}

/** The description of a zod call chain: the outermost `.describe`/`.meta`, as zod keeps the last one applied. */
function description(node) {
  if (!ts.isCallExpression(node)) return undefined;
  const callee = node.expression;
  const first = node.arguments[0];
  const name = ts.isPropertyAccessExpression(callee) ? callee.name.text : ts.isIdentifier(callee) ? callee.text : undefined;
  if (first && name === 'describe') return literal(first);
  if (first && name === 'meta' && ts.isObjectLiteralExpression(first)) {
    for (const p of first.properties) {
      if (ts.isPropertyAssignment(p) && p.name.getText() === 'description') return literal(p.initializer);
    }
  }
  const inner = ts.isPropertyAccessExpression(callee) ? description(callee.expression) : undefined;
  if (inner !== undefined) return inner;
  // A local builder such as `text('…')` or `permissionMode(0o660, '…')`: its text argument.
  if (name !== 'describe' && name !== 'meta') {
    const text = node.arguments.map(literal).find((t) => t !== undefined);
    if (text !== undefined) return text;
  }
  for (const arg of node.arguments) {
    const found = description(arg);
    if (found !== undefined) return found;
  }
  return undefined;
}

export function load(app) {
  app.converter.on(Converter.EVENT_CREATE_DECLARATION, (context, reflection) => {
    if (!reflection.kindOf(ReflectionKind.Property) || reflection.hasComment()) return;
    const symbol = context.getSymbolFromReflection(reflection);
    const declaration = symbol?.valueDeclaration ?? symbol?.declarations?.[0];
    if (!declaration || !ts.isPropertyAssignment(declaration)) return;
    const text = description(declaration.initializer);
    if (text) reflection.comment = new Comment([{ kind: 'text', text }]);
  });
}
