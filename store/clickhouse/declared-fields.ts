/**
 * The payload fields that get typed columns of their own (p_<name>) beside the raw props JSON:
 * every scalar field the event schemas in schemas/events declare. A field a schema adds gets its
 * column when the store next prepares the tier (addDeclaredColumns in migrations.ts).
 */
import { declaredFields as schemaFields, type DeclaredType } from "../../schemas/events/index.ts";

export type { DeclaredType };

export interface DeclaredField {
  name: string;
  type: DeclaredType;
}

export const declaredFields: readonly DeclaredField[] = schemaFields();

export const columnOf = (field: DeclaredField): string => `p_${field.name}`;
