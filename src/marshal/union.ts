/**
 * How a union value maps to a case and a discriminator, shared by every codec. A value is
 * `{ case, value, discriminator? }`; the discriminator may be omitted when the case has exactly one
 * label, and is filled in on decode only when the case alone does not determine it.
 */
import { encodeFail, primitiveOk, shown } from './check.ts';
import { isPrimitive, unusedLabel, type Label, type UnionCase, type UnionSchema } from './schema.ts';

export interface UnionPlan {
  readonly schema: UnionSchema;
  readonly byName: ReadonlyMap<string, number>;
  readonly byLabel: ReadonlyMap<Label, number>;
  /** Index of the default case, or -1. */
  readonly defaultIndex: number;
  /** A discriminator value that selects the default case, when there is one. */
  readonly defaultLabel: Label | undefined;
  /**
   * Without a default case, a discriminator value no label names (when one exists): the union then
   * holds no member (CORBA's implicit default), written `{ case: null, discriminator }`.
   */
  readonly emptyLabel: Label | undefined;
  /** Per case: whether decoders must report the discriminator (several labels, or the default). */
  readonly reportDiscriminator: readonly boolean[];
}

export function planUnion(u: UnionSchema): UnionPlan {
  const byName = new Map<string, number>();
  const byLabel = new Map<Label, number>();
  let defaultIndex = -1;
  u.cases.forEach((c, i) => {
    byName.set(c.name, i);
    for (const l of c.labels) byLabel.set(l, i);
    if (c.isDefault) defaultIndex = i;
  });
  const unused = unusedLabel(u.discriminator, new Set(byLabel.keys()));
  const defaultLabel = defaultIndex >= 0 ? unused : undefined;
  const emptyLabel = defaultIndex < 0 ? unused : undefined;
  const reportDiscriminator = u.cases.map((c) => c.isDefault || c.labels.length > 1);
  return { schema: u, byName, byLabel, defaultIndex, defaultLabel, emptyLabel, reportDiscriminator };
}

/** True when `d` is a value of the union's discriminator type. */
export function labelOk(u: UnionSchema, d: unknown): d is Label {
  const t = u.discriminator;
  if (t.kind === 'enum') return typeof d === 'string' && t.values.includes(d);
  return isPrimitive(t) && primitiveOk(t.kind, d);
}

/**
 * Checks a union value's shape and returns its case index (-1 for a union holding no member) and the
 * discriminator to write.
 */
export function resolveUnion(plan: UnionPlan, v: unknown, path: string): { index: number; label: Label; value: unknown } {
  if (typeof v !== 'object' || v === null) encodeFail(path, `expected a union value { case, value } for ${plan.schema.name}, got ${shown(v)}`);
  const name: unknown = Reflect.get(v, 'case');
  if (name === null) return resolveEmpty(plan, Reflect.get(v, 'discriminator'), path);
  const index = typeof name === 'string' ? plan.byName.get(name) : undefined;
  if (index === undefined) {
    encodeFail(path, `union ${plan.schema.name} has no case ${shown(name)} (cases: ${plan.schema.cases.map((c) => c.name).join(', ')})`);
  }
  const c: UnionCase = plan.schema.cases[index]!;
  const given: unknown = Reflect.get(v, 'discriminator');
  let label: Label;
  if (given === undefined) {
    label = c.isDefault ? plan.defaultLabel! : c.labels[0]!;
  } else {
    if (!labelOk(plan.schema, given)) encodeFail(path + '.discriminator', `not a value of the discriminator type: ${shown(given)}`);
    const owner = plan.byLabel.get(given);
    if (c.isDefault ? owner !== undefined : owner !== index) {
      encodeFail(path + '.discriminator', `${shown(given)} does not select case ${c.name}`);
    }
    label = given;
  }
  return { index, label, value: Reflect.get(v, 'value') };
}

function resolveEmpty(plan: UnionPlan, given: unknown, path: string): { index: number; label: Label; value: unknown } {
  if (plan.emptyLabel === undefined) {
    encodeFail(path, `union ${plan.schema.name} ${plan.defaultIndex >= 0 ? 'has a default case' : 'names every discriminator value'}, so it cannot hold no member (case null)`);
  }
  if (given === undefined) return { index: -1, label: plan.emptyLabel, value: undefined };
  if (!labelOk(plan.schema, given)) encodeFail(path + '.discriminator', `not a value of the discriminator type: ${shown(given)}`);
  if (plan.byLabel.has(given)) encodeFail(path + '.discriminator', `${shown(given)} selects a case, so the union cannot hold no member`);
  return { index: -1, label: given, value: undefined };
}

/** The value decoders return for case `index` chosen by `label` (-1: the union holds no member). */
export function unionValue(plan: UnionPlan, index: number, label: Label, value: unknown): Record<string, unknown> {
  if (index < 0) return { case: null, discriminator: label };
  const name = plan.schema.cases[index]!.name;
  return plan.reportDiscriminator[index] ? { case: name, value, discriminator: label } : { case: name, value };
}
