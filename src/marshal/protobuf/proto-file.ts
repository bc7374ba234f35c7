/** Reading .proto files from disk: the file, and the files it imports from its own folder. */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ParseError } from '../../errors.ts';
import { parseProto, type ProtoDocument, type ProtoOptions } from './proto-parser.ts';

/**
 * Parses the .proto file at `path` and its imports, which are looked up in the same folder (an import
 * path's own folders are honoured relative to it). Throws ERR_PARSE for unreadable files and errors in
 * any of them, naming file, line and column. `options` are parseProto's (recursionDepth, skipGroups).
 */
export function loadProtoFile(path: string, options: Omit<ProtoOptions, 'file' | 'resolveImport'> = {}): ProtoDocument {
  const root = dirname(resolve(path));
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ParseError(`cannot read .proto file ${path}: ${err instanceof Error ? err.message : String(err)}`, { file: path });
  }
  return parseProto(text, {
    ...options,
    file: resolve(path),
    resolveImport(name) {
      for (const candidate of [join(root, name), join(root, basename(name))]) {
        if (existsSync(candidate)) return { file: candidate, text: readFileSync(candidate, 'utf8') };
      }
      return undefined;
    },
  });
}
