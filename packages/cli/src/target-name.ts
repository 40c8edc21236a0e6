/** A name a target may have: never a path or a URL (no `/`, `:` or leading `.`). */
export const TARGET_NAME = /^[A-Za-z][\w.-]{0,63}$/;
