/** Reading IDL from disk: the file itself and the files it #includes (relative, then include dirs). */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ParseError } from '../../errors.ts';
import { parseIdl, type IdlDocument } from './parser.ts';

export interface IdlFileOptions {
  /** Directories searched for #include files after the including file's own directory (like -I). */
  readonly includeDirs?: readonly string[];
  readonly defines?: Readonly<Record<string, string>>;
}

/** Parses the IDL file at `path`; ERR_PARSE for unreadable files and syntax errors. */
export function loadIdlFile(path: string, options: IdlFileOptions = {}): IdlDocument {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ParseError(`cannot read IDL file ${path}: ${err instanceof Error ? err.message : String(err)}`, { file: path });
  }
  return parseIdl(text, {
    file: path,
    ...(options.defines ? { defines: options.defines } : {}),
    resolveInclude(name, from, system) {
      const dirs = [...(system ? [] : [dirname(from)]), ...(options.includeDirs ?? [])];
      for (const dir of dirs) {
        const candidate = resolve(dir, name);
        if (existsSync(candidate)) return { file: candidate, text: readFileSync(candidate, 'utf8') };
      }
      return undefined;
    },
  });
}
