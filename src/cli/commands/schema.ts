import { generateXsd, MARSHAL_DEFAULTS } from '../../marshal/index.ts';
import { parseFlags, UsageError, type Command } from '../command.ts';
import { loadType, write } from '../marshal-io.ts';

export const schemaCommand: Command = {
  name: 'schema',
  summary: 'print the XML Schema (XSD) or the schema tree of an IDL type',
  help: `Usage: courier schema --schema FILE --type NAME (--xsd [--namespace URI] | --tree)

Prints what courier makes of type NAME in the IDL file: with --xsd, the XML Schema its XML encoding
validates against (xmllint --schema); with --tree, the schema as a JSON tree.

Options:
  --schema FILE     IDL file declaring the type
  --type NAME       the type: Person or a scoped name such as Demo::Person
  --xsd             print the XSD document
  --namespace URI   target namespace of the XSD (default ${MARSHAL_DEFAULTS.xmlNamespace})
  --tree            print the schema tree as JSON

Example:
  courier schema --xsd --schema person.idl --type Person > person.xsd`,
  async run(argv, io) {
    const { values } = parseFlags(argv, {
      schema: { type: 'string' },
      type: { type: 'string' },
      xsd: { type: 'boolean' },
      tree: { type: 'boolean' },
      namespace: { type: 'string' },
    });
    if (values.xsd === values.tree) throw new UsageError('give exactly one of --xsd or --tree');
    const schema = loadType(values.schema, values.type);
    if (values.xsd) await write(io.stdout, generateXsd(schema, values.namespace ? { namespace: values.namespace } : {}));
    else await write(io.stdout, JSON.stringify(schema, null, 2) + '\n');
    return 0;
  },
};
