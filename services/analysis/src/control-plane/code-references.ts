/** A flag key found in source code. */
export interface CodeReference {
  key: string;
  file: string;
  /** 1-based line and column of the key's opening quote. */
  line: number;
  column: number;
  /** `active`/`archived`: a known flag; `unknown`: evaluated in code but not a flag (any more). */
  status: 'active' | 'archived' | 'unknown';
}

export interface CodeReferenceReport {
  references: CodeReference[];
  /** Known, unarchived flags that no scanned file mentions (candidates for removal). */
  unreferenced: string[];
}

/** A quoted string that could be a flag key (FLAG_KEY_PATTERN). */
const QUOTED_KEY = /(['"`])([A-Za-z0-9][A-Za-z0-9_.-]{0,127})\1/g;
/**
 * Calls that evaluate a flag by key, across common SDKs (OpenFeature, Tripwire, LaunchDarkly,
 * Unleash, GrowthBook): their first string argument is a flag key even when no flag has it.
 */
const EVALUATION_CALL =
  /\b(?:get(?:Boolean|String|Number|Object)(?:Value|Details)|assign|evaluate|isEnabled|isOn|variation|getVariant|getFeatureValue|useFlag|feature)\s*\(\s*(['"`])([A-Za-z0-9][A-Za-z0-9_.-]{0,127})\1/g;

/**
 * Finds flag keys in source files (pure: the caller reads the files). Known keys count
 * anywhere as a quoted string; unknown ones only as the first argument of an evaluation call.
 */
export function findCodeReferences(input: {
  files: { path: string; text: string }[];
  activeKeys: ReadonlySet<string>;
  archivedKeys: ReadonlySet<string>;
}): CodeReferenceReport {
  const references: CodeReference[] = [];
  for (const file of input.files) {
    const lines = file.text.split(/\r?\n/);
    lines.forEach((text, index) => {
      const seen = new Set<number>();
      for (const match of text.matchAll(QUOTED_KEY)) {
        const key = match[2]!;
        const status = input.activeKeys.has(key)
          ? 'active'
          : input.archivedKeys.has(key)
            ? 'archived'
            : undefined;
        if (status === undefined) continue;
        seen.add(match.index);
        references.push({ key, file: file.path, line: index + 1, column: match.index + 1, status });
      }
      for (const match of text.matchAll(EVALUATION_CALL)) {
        const key = match[2]!;
        const column = match.index + match[0].length - key.length - 2;
        if (seen.has(column)) continue;
        references.push({
          key,
          file: file.path,
          line: index + 1,
          column: column + 1,
          status: 'unknown',
        });
      }
    });
  }
  const mentioned = new Set(references.map((reference) => reference.key));
  const unreferenced = [...input.activeKeys].filter((key) => !mentioned.has(key)).sort();
  references.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
  return { references, unreferenced };
}
