/**
 * The payload fields that get typed columns of their own (p_<name>) beside the raw props JSON.
 * Stand-in until schemas/ exports the fields its event schemas declare: the list, not the code,
 * is what changes then. A migration adds a column per new field.
 */
export type DeclaredType = "string" | "number" | "boolean";

export interface DeclaredField {
  name: string;
  type: DeclaredType;
}

export const declaredFields: readonly DeclaredField[] = [
  { name: "path", type: "string" },
  { name: "url", type: "string" },
  { name: "referrer", type: "string" },
  { name: "product_id", type: "string" },
  { name: "currency", type: "string" },
  { name: "price", type: "number" },
  { name: "quantity", type: "number" },
  { name: "amount", type: "number" },
];

export const columnOf = (field: DeclaredField): string => `p_${field.name}`;
