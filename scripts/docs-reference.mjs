// Writes the generated parts of the reference into docs/ (between <!-- generated:NAME:start/end --> markers):
// the options table from the options' types and JSDoc (docs/configuration.md) and the operations table from the
// OpenAPI document of a module app (docs/http-api.md). With --check it writes nothing and fails when a page is
// out of date (npm run docs:build). Needs `npm run build` first (it boots the built module).
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import ts from 'typescript';

const check = process.argv.includes('--check');

/** Text for a Markdown table cell: pipes escaped, and angle brackets outside code spans (VitePress reads them as HTML). */
const cell = (text) =>
  text
    .replace(/\|/g, '\\|')
    .split('`')
    .map((part, i) => (i % 2 ? part : part.replace(/</g, '&lt;').replace(/>/g, '&gt;')))
    .join('`');

/** Rows for every option of AuthConsentModuleOptions, nested option groups flattened to `group.option`. */
function optionRows() {
  const program = ts.createProgram(['src/auth-consent.options.ts', 'src/auth-consent.module-definition.ts'], {
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    experimentalDecorators: true,
    skipLibCheck: true,
  });
  const checker = program.getTypeChecker();
  const rows = [];
  const interfaceNamed = (file, name) => {
    const source = program.getSourceFile(file);
    const node = source.statements.find((s) => ts.isInterfaceDeclaration(s) && s.name.text === name);
    return checker.getTypeAtLocation(node);
  };
  const doc = (symbol) =>
    cell(ts.displayPartsToString(symbol.getDocumentationComment(checker)).replace(/\s*\n\s*/g, ' '));
  const deprecated = (symbol) => symbol.getJsDocTags().some((t) => t.name === 'deprecated');
  const srcInterface = (type) => {
    const decl = type.getSymbol()?.declarations?.[0];
    return !!decl && ts.isInterfaceDeclaration(decl) && /(^|\/)src\//.test(decl.getSourceFile().fileName)
      ? decl
      : undefined;
  };
  // An option group: an options interface of the module, or an inline object whose every field is documented.
  const isGroup = (type) => {
    if (/Options$/.test(srcInterface(type)?.name.text ?? '')) return true;
    const decl = type.getSymbol()?.declarations?.[0];
    const props = checker.getPropertiesOfType(type);
    return !!decl && ts.isTypeLiteralNode(decl) && props.length > 0 && props.every((p) => doc(p) !== '');
  };
  const walk = (type, prefix) => {
    for (const prop of checker.getPropertiesOfType(type)) {
      if (deprecated(prop)) continue;
      const propType = checker.getNonNullableType(checker.getTypeOfSymbol(prop));
      const path = prefix + prop.name;
      if (isGroup(propType)) {
        if (doc(prop)) rows.push(`| \`${path}\` | | ${doc(prop)} |`);
        walk(propType, `${path}.`);
        continue;
      }
      rows.push(
        `| \`${path}\` | \`${checker
          .typeToString(propType, undefined, ts.TypeFormatFlags.NoTruncation)
          .replace(/ \| undefined/g, '')
          .replace(/\|/g, '\\|')}\` | ${doc(prop)} |`,
      );
      // `redis`: a connection & its documented extras (RedisDurability), listed as `redis.<extra>`.
      const parts = (t) =>
        t.isUnion() ? t.types.flatMap(parts) : t.isIntersection() ? t.types.filter((x) => srcInterface(x)) : [];
      for (const part of new Set(parts(propType).map((t) => t.getSymbol())))
        walk(checker.getDeclaredTypeOfSymbol(part), `${path}.`);
    }
  };
  walk(interfaceNamed('src/auth-consent.options.ts', 'AuthConsentModuleOptions'), '');
  const options = ['| option | type | meaning and default |', '|---|---|---|', ...rows.splice(0)].join('\n');
  walk(interfaceNamed('src/auth-consent.module-definition.ts', 'AuthConsentModuleExtras'), '');
  return {
    options,
    extras: ['| on the call | type | meaning and default |', '|---|---|---|', ...rows.splice(0)].join('\n'),
  };
}

/** One row per operation of the OpenAPI document of a module app on the default paths. */
async function operationRows() {
  if (!existsSync('dist/src/index.js'))
    throw new Error('docs-reference: run `npm run build` first (it reads the built module).');
  const { NestFactory } = await import('@nestjs/core');
  const { DocumentBuilder, SwaggerModule } = await import('@nestjs/swagger');
  const lib = await import('../dist/src/index.js');
  const secret = 'docs-reference-secret-0123456789abcdef';
  const app = await NestFactory.create(
    lib.AuthConsentModule.forRoot({
      environment: 'test',
      database: { url: 'sqlite::memory:' },
      session: { secret },
      consent: { auditSecret: secret, categories: [{ key: 'necessary', name: 'Necessary', description: 'Sign-in.' }] },
    }),
    { logger: false },
  );
  await app.init();
  const document = SwaggerModule.createDocument(app, new DocumentBuilder().setTitle('nestjs-auth-consent').build());
  await app.close();
  const schemaOf = (ref) => document.components?.schemas?.[ref.split('/').pop()];
  const fields = (schema) => {
    const s = schema?.$ref ? schemaOf(schema.$ref) : schema;
    if (!s?.properties) return '';
    const required = new Set(s.required ?? []);
    return `{${Object.keys(s.properties)
      .map((k) => (required.has(k) ? k : `${k}?`))
      .join(', ')}}`;
  };
  const rows = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const query = (op.parameters ?? [])
        .filter((p) => p.in === 'query')
        .map((p) => (p.required ? p.name : `${p.name}?`));
      const body = fields(op.requestBody?.content?.['application/json']?.schema);
      const input = [body && `body \`${body}\``, query.length && `query \`${query.join(', ')}\``]
        .filter(Boolean)
        .join('; ');
      const codes = Object.keys(op.responses ?? {}).join(', ');
      rows.push(
        `| \`${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}\` | ${cell(op.summary ?? '')} | ${input} | ${codes} |`,
      );
    }
  }
  return ['| operation | summary | input | responses |', '|---|---|---|---|', ...rows].join('\n');
}

/** `text` with what is between the markers of section `name` replaced by `content`. */
function withSection(file, text, name, content) {
  const start = `<!-- generated:${name}:start -->`;
  const end = `<!-- generated:${name}:end -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`${file}: no ${start} … ${end} markers`);
  return `${text.slice(0, from + start.length)}\n${content}\n${text.slice(to)}`;
}

const { options, extras } = optionRows();
const pages = {
  'docs/configuration.md': { options, extras },
  'docs/http-api.md': { operations: await operationRows() },
};
const stale = [];
for (const [file, sections] of Object.entries(pages)) {
  const text = readFileSync(file, 'utf8');
  const next = Object.entries(sections).reduce((t, [name, content]) => withSection(file, t, name, content), text);
  if (next === text) continue;
  if (check) stale.push(file);
  else writeFileSync(file, next);
}
if (stale.length) {
  console.error(`Generated reference out of date in ${stale.join(', ')}: run \`npm run docs:reference\` and commit.`);
  process.exit(1);
}
console.log(check ? 'docs: generated reference up to date' : 'docs: generated reference written');
