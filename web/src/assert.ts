// Exhaustiveness: a switch over a union ends in `assertNever(x)`, so a value added to the union
// fails the typecheck until every switch handles it.
export function assertNever(x: never): never {
  throw new Error(`Unexpected value: ${JSON.stringify(x)}`);
}
