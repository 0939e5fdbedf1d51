//! # CNTR-K8-001161: Sensitive values live only in Secrets or an external store
//!
//! **What it checks.** A heuristic search for credentials written as plain text where
//! Kubernetes does not protect them: the `data` values of every `ConfigMap`, and the
//! `env[].value` literals of every container, init container and ephemeral container of every
//! pod-bearing object. A value is flagged when it has **both**
//!
//! 1. a credential-like name: the last word of the key (split case-insensitively at `-`, `_`,
//!    `.`, spaces and camelCase humps) is `password`, `passwd`, `pass`, `passphrase`,
//!    `secret`, `token`, `credential(s)`, `apikey` (or ends in one of those), or the last two
//!    words are `api`, `access`, `private`, `secret`, `signing`, `encryption` or `master`
//!    followed by `key`. So `DB_PASSWORD`, `clientSecret`, `AWS_SECRET_ACCESS_KEY` and
//!    `api-key` are credential-like, while `token-url`, `tokenUrl`, `password-policy`,
//!    `password-min-length`, `secretName` and `passwordFile` are not (they are *about* a
//!    credential);
//! 2. a value that looks like a real secret: at least 8 characters, no whitespace, with a
//!    Shannon entropy of at least 3.0 bits per character (for values of 8 to 11 characters,
//!    which cannot reach 3.0, at least 85% of the most their length allows, `log2(length)`).
//!    Never flagged: references (`$(VAR)`, `${VAR}`, `$VAR`, `{{ ... }}`, `vault:`/`arn:`
//!    store references), paths (`/...`, `./...`, `~/...`, `file:`), URLs without a password,
//!    booleans, numbers, names made only of lowercase letters and `-`/`.`/`_`/`/` (the name of
//!    a Secret, `ingress-tls`), and placeholders (`changeme`, `<...>`, `xxxx`, `****`,
//!    `replace-me`, `your-...`, `insert-...`, `...-here`, `example`, `dummy`, `redacted`, a
//!    value equal to its key word or holding the whole key, `INSERT_API_TOKEN`). Placeholders
//!    are deliberately *not* findings: they hold no sensitive information, and every chart
//!    skeleton would otherwise fail. A real default password (`minio123`) is not a
//!    placeholder and is flagged. A URL with a literal password (`amqp://user:pw@host`)
//!    counts as a secret-looking value.
//!
//! A multi-line `ConfigMap` value (a configuration file) is read line by line: each
//! `key = value`, `key: value`, `export KEY=value` or `"key": "value"` line is judged the same
//! way. Independently of names, a PEM private key block (`-----BEGIN ... PRIVATE KEY-----`)
//! anywhere in a `ConfigMap` value or an `env` value is a finding.
//!
//! One finding per value, at the value (`/data/<key>` or `.../env/<n>/value`); the message
//! names the key (and the lines of a configuration file), never the value. This is a
//! heuristic: a finding needs human review, and the absence of findings does not prove the
//! manifests hold no sensitive information (annotations, `binaryData`, command arguments and
//! free-form names are not searched).
//!
//! **Why.** `ConfigMap`s and pod specs are stored unencrypted, shown by `kubectl get -o yaml` and
//! `kubectl describe` to anyone who can read the object, copied into Git, CI logs and Helm
//! release records. Secrets can be encrypted at rest, have their own RBAC, and are attached to
//! pods only where needed; an external store adds rotation and audit.
//!
//! **Example.**
//! ```yaml
//! kind: ConfigMap
//! data:
//!   tokenUrl: https://auth.example.com/oauth/token    # fine: not a credential name
//!   password-min-length: "12"                          # fine
//!   DB_PASSWORD: "q8Rz!vW2#pLm4xT"                     # finding
//!   app.properties: |                                  # finding (line 2)
//!     spring.datasource.url=jdbc:postgresql://db/app
//!     spring.datasource.password=Zx9#mQ2!rT7vKp
//! ```
//!
//! **Fix.** Move the value into a Secret (mounted as a file, see CNTR-K8-001160) or an
//! external secret store (Vault, a cloud secret manager through the Secrets Store CSI driver or
//! External Secrets), reference it from the configuration (`${DB_PASSWORD}`, a file path), and
//! rotate the exposed credential: it has already been disclosed.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-001161 (V-274883, CAT I): sensitive
//! information in the output of `kubectl get all,cm -A -o yaml` is a finding; NIST SP 800-53
//! IA-5 (1) (d).
use stiglint_sdk::escape_pointer;
use stiglint_sdk::prelude::*;

/// A last word ending in one of these names a credential.
const CREDENTIAL_WORDS: &[&str] = &[
    "password",
    "passwd",
    "passphrase",
    "secret",
    "token",
    "credential",
    "credentials",
    "apikey",
    "privatekey",
    "accesskey",
    "secretkey",
];

/// `<word> key` names a credential for these words.
const KEY_QUALIFIERS: &[&str] = &[
    "api",
    "access",
    "private",
    "secret",
    "signing",
    "encryption",
    "master",
];

/// Lower-cased fragments that mark a placeholder, not a value.
const PLACEHOLDERS: &[&str] = &[
    "changeme",
    "change-me",
    "change_me",
    "changeit",
    "replaceme",
    "replace-me",
    "replace_me",
    "replace_with",
    "replace-with",
    "your-",
    "your_",
    "insert-",
    "insert_",
    "-here",
    "_here",
    "yourpassword",
    "yoursecret",
    "yourtoken",
    "example",
    "placeholder",
    "dummy",
    "redacted",
    "xxxx",
    "****",
    "....",
];

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

/// The lower-cased words of a key: split at non-alphanumerics and camelCase humps
/// (`AWS_SECRET_ACCESS_KEY`, `clientSecret`, `OAuthToken` → `o`, `auth`, `token`).
fn words(key: &str) -> Vec<String> {
    let chars: Vec<char> = key.chars().collect();
    let mut out = Vec::new();
    let mut word = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            continue;
        }
        let prev = i.checked_sub(1).map(|j| chars[j]);
        let next = chars.get(i + 1).copied();
        let hump = c.is_uppercase()
            && prev.is_some_and(|p| {
                p.is_lowercase()
                    || p.is_ascii_digit()
                    || (p.is_uppercase() && next.is_some_and(char::is_lowercase))
            });
        if hump && !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
        word.extend(c.to_lowercase());
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// The credential word of a credential-like key, if it is one.
fn credential_name(key: &str) -> Option<String> {
    let words = words(key);
    let last = words.last()?;
    if last == "pass" || CREDENTIAL_WORDS.iter().any(|w| last.ends_with(w)) {
        return Some(last.clone());
    }
    if last == "key" && words.len() >= 2 {
        let qualifier = &words[words.len() - 2];
        if KEY_QUALIFIERS.contains(&qualifier.as_str()) {
            return Some(format!("{qualifier}{last}"));
        }
    }
    None
}

/// Shannon entropy of a string, in bits per character.
fn entropy(value: &str) -> f64 {
    let mut counts = std::collections::BTreeMap::new();
    let mut total = 0_u32;
    for c in value.chars() {
        *counts.entry(c).or_insert(0_u32) += 1;
        total += 1;
    }
    let total = f64::from(total);
    counts
        .values()
        .map(|&n| {
            let p = f64::from(n) / total;
            -p * p.log2()
        })
        .sum()
}

/// Whether a value is a reference to a value kept elsewhere.
fn is_reference(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    value.starts_with('$')
        || value.contains("$(")
        || value.contains("${")
        || value.contains("{{")
        || value.contains("%{")
        || ["vault:", "arn:", "ref+", "secret://", "env:", "file:"]
            .iter()
            .any(|p| lower.starts_with(p))
}

/// Whether a value is a placeholder rather than a value (`changeme`, `<token>`, `xxx`,
/// `INSERT_API_TOKEN` for the key `API_TOKEN`).
fn is_placeholder(value: &str, key: &str, word: &str) -> bool {
    let lower = value.to_lowercase();
    let letters: String = lower.chars().filter(char::is_ascii_alphanumeric).collect();
    let key_letters: String = key
        .to_lowercase()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    (value.starts_with('<') && value.ends_with('>'))
        || PLACEHOLDERS.iter().any(|p| lower.contains(p))
        || (!key_letters.is_empty() && letters.contains(&key_letters))
        || letters == word
        || letters == "password"
        || letters == "secret"
}

/// Whether a value looks like a real secret (see the module documentation).
fn looks_secret(value: &str, key: &str, word: &str) -> bool {
    let value = value.trim();
    let value = strip_quotes(value);
    if value.is_empty() || is_reference(value) || is_placeholder(value, key, word) {
        return false;
    }
    if let Some((_, rest)) = value.split_once("://") {
        // A URL: secret only when it carries a literal password (`scheme://user:pw@host`).
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        return authority
            .rsplit_once('@')
            .and_then(|(userinfo, _)| userinfo.split_once(':'))
            .is_some_and(|(_, password)| {
                !password.is_empty() && !is_placeholder(password, key, word)
            });
    }
    let length = value.chars().count();
    let lower = value.to_ascii_lowercase();
    let path = ["/", "./", "../", "~/"]
        .iter()
        .any(|p| value.starts_with(p))
        || value.get(1..3) == Some(":\\");
    let boolean = [
        "true", "false", "yes", "no", "on", "off", "null", "none", "enabled", "disabled",
    ]
    .contains(&lower.as_str());
    let number = value.parse::<f64>().is_ok()
        || value
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | ':' | '_'));
    let name_like = value
        .chars()
        .all(|c| c.is_ascii_lowercase() || matches!(c, '-' | '.' | '_' | '/'));
    if length < 8 || value.contains(char::is_whitespace) || path || boolean || number || name_like {
        return false;
    }
    let threshold = (f64::from(u32::try_from(length).unwrap_or(u32::MAX)).log2() * 0.85).min(3.0);
    entropy(value) >= threshold
}

fn strip_quotes(value: &str) -> &str {
    for q in ['"', '\''] {
        if let Some(inner) = value.strip_prefix(q).and_then(|v| v.strip_suffix(q)) {
            return inner;
        }
    }
    value
}

/// A PEM private key block.
fn has_private_key(value: &str) -> bool {
    value.lines().any(|l| {
        let l = l.trim();
        l.starts_with("-----BEGIN ")
            && (l.ends_with("PRIVATE KEY-----") || l.ends_with("PRIVATE KEY BLOCK-----"))
    })
}

/// Whether `key = value` is a credential written as a literal.
fn credential(key: &str, value: &str) -> bool {
    credential_name(key).is_some_and(|word| looks_secret(value, key, &word))
}

/// The `(line number, key)` of every credential-like setting of a configuration file.
fn file_credentials(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim().trim_end_matches(',');
        if line.is_empty() || ["#", ";", "//", "!"].iter().any(|c| line.starts_with(c)) {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        // The earliest of `=` and `:` separates key and value (`a=b:c`, `a: b=c`).
        let Some(at) = line.find(['=', ':']) else {
            continue;
        };
        let key = strip_quotes(line[..at].trim()).trim_start_matches("- ");
        let value = line[at + 1..].trim();
        if key.is_empty() || key.contains(char::is_whitespace) {
            continue;
        }
        if credential(key, value) {
            found.push((i + 1, key.to_owned()));
        }
    }
    found
}

fn check_config_map(doc: &Document, out: &mut Out) {
    let Some(data) = doc.json.get("data").and_then(Value::as_object) else {
        return;
    };
    for (key, value) in data {
        let Some(text) = value.as_str() else {
            continue;
        };
        let pointer = format!("/data/{}", escape_pointer(key));
        let what = format!("{} key '{key}'", doc.describe());
        let fix = "move it to a Secret or an external secret store (heuristic: review it)";
        if has_private_key(text) {
            out.finding(pointer, format!("{what} holds a PEM private key: {fix}"));
        } else if text.trim().contains('\n') {
            let found = file_credentials(text);
            if !found.is_empty() {
                let list: Vec<String> = found
                    .iter()
                    .map(|(line, name)| format!("line {line} '{name}'"))
                    .collect();
                out.finding(
                    pointer,
                    format!(
                        "{what} sets credential-like literals ({}): {fix}",
                        list.join(", ")
                    ),
                );
            }
        } else if credential(key, text) {
            out.finding(
                pointer,
                format!("{what} is a credential-like literal: {fix}"),
            );
        }
    }
}

impl Control for Rule {
    fn meta(&self) -> Meta {
        // ConfigMaps and every pod-bearing kind.
        let kinds: Vec<&str> = stiglint_sdk::k8s::POD_KINDS
            .iter()
            .copied()
            .chain(["ConfigMap"])
            .collect();
        Meta::stig("CNTR-K8-001161")
            .pod_kinds()
            .kinds(&kinds)
            .remediation(
                "Move credentials out of ConfigMaps and env literals into Secrets or an external \
             secret store, and rotate them.",
            )
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        if doc.kind() == "ConfigMap" {
            check_config_map(doc, out);
            return;
        }
        for c in doc.pod().iter().flat_map(PodSpec::containers) {
            let env = c.value.get("env").and_then(Value::as_array);
            for (i, var) in env.into_iter().flatten().enumerate() {
                let (Some(name), Some(value)) = (
                    var.get("name").and_then(Value::as_str),
                    var.get("value").and_then(Value::as_str),
                ) else {
                    continue;
                };
                let what = if has_private_key(value) {
                    "a PEM private key"
                } else if credential(name, value) {
                    "a credential-like literal"
                } else {
                    continue;
                };
                out.finding(
                    c.pointer_to(&format!("env/{i}/value")),
                    format!(
                        "{} sets environment variable '{name}' to {what}: take it from a Secret \
                         mounted as a file or an external secret store (heuristic: review it)",
                        c.describe()
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_names_are_whole_last_words() {
        for key in [
            "DB_PASSWORD",
            "password",
            "clientSecret",
            "AWS_SECRET_ACCESS_KEY",
            "api-key",
            "apiKey",
            "API_TOKEN",
            "OAuthToken",
            "REDIS_PASS",
            "adminpassword",
            "spring.datasource.password",
            "credentials",
            "privateKey",
        ] {
            assert!(credential_name(key).is_some(), "{key}");
        }
        for key in [
            "token-url",
            "tokenUrl",
            "password-policy",
            "password-min-length",
            "secretName",
            "passwordFile",
            "key",
            "publicKey",
            "bypass",
            "TOKEN_TTL",
        ] {
            assert!(credential_name(key).is_none(), "{key}");
        }
    }

    #[test]
    fn values_must_look_like_secrets() {
        for v in [
            "q8Rz!vW2#pLm4xT",
            "hunter22",
            "ghp_8f3KdL0q9ZxV2mN7pR4sT1uW6yB5cE",
            "amqp://app:Rb7x2Lq9@rabbitmq:5672/",
            "'Zx9#mQ2!rT7vKp'",
        ] {
            assert!(looks_secret(v, "DB_PASSWORD", "password"), "{v}");
        }
        for v in [
            "changeme",
            "<your-token>",
            "xxxxxxxxxx",
            "${DB_PASSWORD}",
            "$(API_TOKEN)",
            "/run/secrets/db",
            "https://auth.example.com/oauth/token",
            "postgres://db:5432/app",
            "ingress-tls",
            "12345678901",
            "true",
            "short",
            "aaaaaaaaaaaa",
            "{{ .Values.password }}",
            "not a password at all",
            "password",
            "INSERT_DB_PASSWORD",
            "your-token-here",
        ] {
            assert!(!looks_secret(v, "DB_PASSWORD", "password"), "{v}");
        }
    }

    #[test]
    fn configuration_files_are_read_line_by_line() {
        let text = "# db\nspring.datasource.url=jdbc:postgresql://db/app\n\
                    spring.datasource.password=Zx9#mQ2!rT7vKp\npassword-min-length: 12\n\
                    export API_TOKEN=\"8f3KdL0q9ZxV2mN7\"\n  \"clientSecret\": \"${SECRET}\",\n";
        assert_eq!(
            file_credentials(text),
            [
                (3, "spring.datasource.password".to_owned()),
                (5, "API_TOKEN".to_owned())
            ]
        );
    }
}
