/** `path.relative(base, absolute)` with `/` separators (empty when they are the same). */
export declare function relativePosix(base: string, absolute: string): string;
