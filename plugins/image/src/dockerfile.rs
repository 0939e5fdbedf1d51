//! A view of the host's `Dockerfile` document (see the host's `input/dockerfile.rs` for its
//! shape): stages with their bases, instructions with their words, flags, pairs and heredocs,
//! each with the JSON pointer a finding names.

use stiglint_sdk::Document;
use stiglint_sdk::k8s::ImageRef;
use stiglint_sdk::prelude::Value;

/// A Dockerfile document.
#[derive(Clone, Copy)]
pub struct Dockerfile<'a> {
    stages: &'a [Value],
}

/// One stage (`FROM … [AS name]` and the instructions up to the next `FROM`).
#[derive(Clone, Copy)]
pub struct Stage<'a> {
    /// Its index in the file.
    pub index: usize,
    value: &'a Value,
}

/// One instruction of a stage.
#[derive(Clone, Copy)]
pub struct Instruction<'a> {
    stage: usize,
    index: usize,
    value: &'a Value,
}

impl<'a> Dockerfile<'a> {
    /// The view of a document, when it is a Dockerfile.
    #[must_use]
    pub fn of(doc: &'a Document) -> Option<Self> {
        if doc.kind() != "Dockerfile" {
            return None;
        }
        let stages = doc.json.get("stages")?.as_array()?;
        Some(Self { stages })
    }

    /// Every stage, in order.
    pub fn stages(self) -> impl Iterator<Item = Stage<'a>> {
        self.stages
            .iter()
            .enumerate()
            .map(|(index, value)| Stage { index, value })
    }

    /// The stage the image is built from (the last).
    #[must_use]
    pub fn final_stage(self) -> Option<Stage<'a>> {
        self.stages().last()
    }

    /// A stage by index.
    #[must_use]
    pub fn stage(self, index: usize) -> Option<Stage<'a>> {
        self.stages.get(index).map(|value| Stage { index, value })
    }

    /// The chain of stages the final image is made of: the final stage, the stage it is
    /// `FROM`, and so on (an alias names a stage, not an image).
    #[must_use]
    pub fn final_chain(self) -> Vec<Stage<'a>> {
        let mut chain = Vec::new();
        let mut at = self.final_stage();
        while let Some(stage) = at {
            if chain.iter().any(|s: &Stage<'_>| s.index == stage.index) {
                break;
            }
            chain.push(stage);
            at = stage.base_stage().and_then(|i| self.stage(i));
        }
        chain
    }

    /// The instructions of the final image, oldest first (those of the stages it is built
    /// on, then its own).
    #[must_use]
    pub fn final_instructions(self) -> Vec<Instruction<'a>> {
        self.final_chain()
            .iter()
            .rev()
            .flat_map(Stage::instructions)
            .collect()
    }
}

impl<'a> Stage<'a> {
    /// `/stages/N`.
    #[must_use]
    pub fn pointer(&self) -> String {
        format!("/stages/{}", self.index)
    }

    /// `/stages/N/from`: the base image of its `FROM`.
    #[must_use]
    pub fn from_pointer(&self) -> String {
        format!("/stages/{}/from", self.index)
    }

    /// Its alias (`AS name`).
    #[must_use]
    pub fn name(&self) -> Option<&'a str> {
        self.value.get("name").and_then(Value::as_str)
    }

    /// The base image as substituted (`debian:12`), or the alias of the stage it builds on.
    #[must_use]
    pub fn base(&self) -> &'a str {
        self.value
            .pointer("/from/image")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// The base as written (`${BASE}:${TAG}`).
    #[must_use]
    pub fn base_raw(&self) -> &'a str {
        self.value
            .pointer("/from/raw")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// The earlier stage it builds on, when its `FROM` names one.
    #[must_use]
    pub fn base_stage(&self) -> Option<usize> {
        self.value
            .pointer("/from/stage")
            .and_then(Value::as_u64)
            .and_then(|i| usize::try_from(i).ok())
    }

    /// Whether a variable in its base had no value (only a `--build-arg` can give one).
    #[must_use]
    pub fn base_unresolved(&self) -> bool {
        self.value.pointer("/from/unresolved") == Some(&Value::Bool(true))
    }

    /// Whether it builds on an image (not on an earlier stage, not on `scratch`), and that
    /// image parsed.
    #[must_use]
    pub fn base_image(&self) -> Option<ImageRef> {
        if self.base_stage().is_some() || self.base().eq_ignore_ascii_case("scratch") {
            return None;
        }
        let base = self.base().trim();
        (!base.is_empty()).then(|| ImageRef::parse(base))
    }

    /// Its instructions, in order.
    pub fn instructions(&self) -> impl Iterator<Item = Instruction<'a>> + use<'a> {
        let stage = self.index;
        self.value
            .get("instructions")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .enumerate()
            .map(move |(index, value)| Instruction {
                stage,
                index,
                value,
            })
    }
}

impl<'a> Instruction<'a> {
    /// The keyword, upper case (`RUN`).
    #[must_use]
    pub fn keyword(&self) -> &'a str {
        self.value
            .get("instruction")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// `/stages/N/instructions/M`.
    #[must_use]
    pub fn pointer(&self) -> String {
        format!("/stages/{}/instructions/{}", self.stage, self.index)
    }

    /// The pointer of its `k`th word.
    #[must_use]
    pub fn word_pointer(&self, k: usize) -> String {
        format!("{}/words/{k}", self.pointer())
    }

    /// The pointer of a flag (`--chmod`).
    #[must_use]
    pub fn flag_pointer(&self, name: &str) -> String {
        format!("{}/flags/{name}", self.pointer())
    }

    /// The pointer of its `k`th `key=value` pair.
    #[must_use]
    pub fn pair_pointer(&self, k: usize) -> String {
        format!("{}/pairs/{k}", self.pointer())
    }

    /// Its words (after the flags).
    #[must_use]
    pub fn words(&self) -> Vec<&'a str> {
        self.value
            .get("words")
            .and_then(Value::as_array)
            .map(|w| w.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    }

    /// Its arguments as written (after the flags).
    #[must_use]
    pub fn text(&self) -> &'a str {
        self.value
            .get("text")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// A flag's value (`--from=build` → `build`; a flag without a value is `""`).
    #[must_use]
    pub fn flag(&self, name: &str) -> Option<&'a str> {
        self.value.get("flags")?.get(name)?.as_str()
    }

    /// Its `key`/`value` pairs (`ARG`, `ENV`, `LABEL`).
    #[must_use]
    pub fn pairs(&self) -> Vec<(&'a str, Option<&'a str>)> {
        self.value
            .get("pairs")
            .and_then(Value::as_array)
            .map(|p| {
                p.iter()
                    .map(|p| {
                        (
                            p.get("key").and_then(Value::as_str).unwrap_or_default(),
                            p.get("value").and_then(Value::as_str),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The bodies of its heredocs (`RUN <<EOF`).
    #[must_use]
    pub fn heredocs(&self) -> Vec<&'a str> {
        self.value
            .get("heredocs")
            .and_then(Value::as_array)
            .map(|h| {
                h.iter()
                    .filter_map(|h| h.get("body").and_then(Value::as_str))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The shell commands of a `RUN` (shell form, exec form and heredoc bodies), each a
    /// list of (word, index in `words` when it is one of them): split at `&&`, `||`, `;`
    /// and `|`.
    #[must_use]
    pub fn commands(&self) -> Vec<Vec<(&'a str, Option<usize>)>> {
        let mut split = Commands::default();
        for (k, w) in self.words().into_iter().enumerate() {
            split.push(w, Some(k));
        }
        split.end();
        for body in self.heredocs() {
            for line in body.lines() {
                for w in line.split_whitespace() {
                    split.push(w, None);
                }
                split.end();
            }
        }
        split.out
    }
}

/// Shell words split into commands.
#[derive(Default)]
struct Commands<'a> {
    out: Vec<Vec<(&'a str, Option<usize>)>>,
    current: Vec<(&'a str, Option<usize>)>,
}

impl<'a> Commands<'a> {
    fn push(&mut self, w: &'a str, k: Option<usize>) {
        if matches!(w, "&&" | "||" | ";" | "|" | "&") {
            self.end();
            return;
        }
        let (word, ends) = match w.strip_suffix(';') {
            Some(stripped) => (stripped, true),
            None => (w, false),
        };
        if !word.is_empty() {
            self.current.push((word, k));
        }
        if ends {
            self.end();
        }
    }

    fn end(&mut self) {
        if !self.current.is_empty() {
            self.out.push(std::mem::take(&mut self.current));
        }
    }
}

/// Whether a `USER` value is root: `root`, `0`, or either with a group (`root:root`, `0:0`).
#[must_use]
pub fn is_root_user(user: &str) -> bool {
    let name = user.split(':').next().unwrap_or_default().trim();
    name == "root" || name.trim_start_matches('0').is_empty() && !name.is_empty()
}

/// The program of a shell command, without a leading `sudo`, `env VAR=x` or path.
#[must_use]
pub fn program<'a>(command: &[(&'a str, Option<usize>)]) -> Option<(usize, &'a str)> {
    command
        .iter()
        .enumerate()
        .find(|(_, (w, _))| {
            !matches!(*w, "sudo" | "env" | "exec" | "then" | "do" | "if")
                && !w.contains('=')
                && !w.starts_with('-')
        })
        .map(|(i, (w, _))| (i, w.rsplit('/').next().unwrap_or(w)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_users() {
        for yes in ["root", "0", "root:root", "0:0", "00"] {
            assert!(is_root_user(yes), "{yes}");
        }
        for no in ["app", "1000", "65532:65532", "", "rootless", "10"] {
            assert!(!is_root_user(no), "{no}");
        }
    }

    #[test]
    fn programs_skip_sudo_and_env() {
        let cmd = [
            ("sudo", None),
            ("DEBIAN_FRONTEND=noninteractive", None),
            ("/usr/bin/apt-get", Some(2)),
        ];
        assert_eq!(program(&cmd), Some((2, "apt-get")));
    }
}
