/** A JSON value: what aggregate states and window values are, so that they travel and persist as they are. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
