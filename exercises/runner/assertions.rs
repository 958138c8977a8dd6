//! Every assertion in the exercises' tests explains itself.
//!
//! A learner reads a failing assertion's message before anything else; `assertion failed:
//! queue.is_empty()` or `left: 2, right: 3` alone says what went wrong but not why, nor what to
//! look at. So `verify` rejects an assertion macro called without a message: one with no more
//! arguments than it requires (`assert!(cond)`, `assert_eq!(a, b)`).
//!
//! This is a text scan, not a parser: comments and the insides of string and character
//! literals are blanked out first (so that a comma or a parenthesis in them counts for
//! nothing), then each assertion's arguments are the top-level commas between its brackets,
//! however many lines the call spans. A turbofish's `::<A, B>` is one argument too.

/// The assertion macros checked, and how many arguments each requires before the message.
const ASSERTIONS: [(&str, usize); 9] = [
    ("assert", 1),
    ("assert_eq", 2),
    ("assert_ne", 2),
    ("debug_assert", 1),
    ("debug_assert_eq", 2),
    ("debug_assert_ne", 2),
    ("prop_assert", 1),
    ("prop_assert_eq", 2),
    ("prop_assert_ne", 2),
];

/// An assertion without a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Silent {
    /// 1-based line of the macro's name.
    pub line: usize,
    pub macro_name: &'static str,
}

/// Every assertion in `source` that has no message, in order.
pub fn silent_assertions(source: &str) -> Vec<Silent> {
    let code: Vec<char> = blank_comments_and_literals(source).chars().collect();
    let mut silent = Vec::new();
    let mut line = 1;
    let mut i = 0;
    while i < code.len() {
        if code[i] == '\n' {
            line += 1;
        }
        let starts_word = i == 0 || !is_ident(code[i - 1]);
        if let Some((name, required)) = starts_word.then(|| assertion_at(&code, i)).flatten() {
            let after_bang = i + name.len() + 1;
            if let Some(arguments) = count_arguments(&code, after_bang)
                && arguments <= required
            {
                silent.push(Silent {
                    line,
                    macro_name: name,
                });
            }
            i = after_bang;
            continue;
        }
        i += 1;
    }
    silent
}

/// The assertion macro whose name (and `!`) starts at `code[at]`, if any.
fn assertion_at(code: &[char], at: usize) -> Option<(&'static str, usize)> {
    ASSERTIONS.iter().copied().find(|(name, _)| {
        let end = at + name.len();
        end < code.len() && code[at..end].iter().copied().eq(name.chars()) && code[end] == '!'
    })
}

/// The number of top-level arguments of the macro call whose bracket opens after `from`
/// (skipping whitespace); `None` if no bracket follows or it never closes.
fn count_arguments(code: &[char], from: usize) -> Option<usize> {
    let mut i = from;
    while i < code.len() && code[i].is_whitespace() {
        i += 1;
    }
    if !matches!(code.get(i), Some('(' | '[' | '{')) {
        return None;
    }
    // The brackets open around `i`: `(`, `[`, `{`, and the `<` of a turbofish (`::<`). A `<`
    // or `>` anywhere else is a comparison.
    let mut open = vec![code[i]];
    let mut arguments = 0;
    let mut argument_has_code = false;
    for (at, &c) in code.iter().enumerate().skip(i + 1) {
        match c {
            '(' | '[' | '{' => open.push(c),
            '<' if at >= 2 && code[at - 2..at] == [':', ':'] => open.push(c),
            '>' if open.last() == Some(&'<') => {
                open.pop();
            }
            ')' | ']' | '}' => {
                while open.pop() == Some('<') {}
                if open.is_empty() {
                    return Some(arguments + usize::from(argument_has_code));
                }
            }
            ',' if open.len() == 1 => {
                arguments += usize::from(argument_has_code);
                argument_has_code = false;
                continue;
            }
            _ => {}
        }
        argument_has_code |= !c.is_whitespace();
    }
    None
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// `source` with every comment and the inside of every string and character literal replaced
/// by spaces (newlines kept, so line numbers stay right).
fn blank_comments_and_literals(source: &str) -> String {
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
        } else if let Some(hashes) = raw_string_start(&chars, i) {
            // r"..." or r#"..."#: no escapes, ends at a quote followed by as many `#`.
            let open = 1 + hashes + 1;
            out.extend(chars[i..i + open].iter());
            i += open;
            while i < chars.len() {
                if chars[i] == '"' && chars[i + 1..].iter().take(hashes).all(|&h| h == '#') {
                    out.push('"');
                    out.extend(std::iter::repeat_n('#', hashes));
                    i += 1 + hashes;
                    break;
                }
                out.push(blank(chars[i]));
                i += 1;
            }
        } else if c == '"' {
            out.push('"');
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                let width = if chars[i] == '\\' { 2 } else { 1 };
                for &skipped in chars.iter().skip(i).take(width) {
                    out.push(blank(skipped));
                }
                i += width;
            }
            out.push('"');
            i += 1;
        } else if c == '\'' && is_char_literal(&chars, i) {
            out.push('\'');
            i += 1;
            while i < chars.len() && chars[i] != '\'' {
                let width = if chars[i] == '\\' { 2 } else { 1 };
                out.extend(std::iter::repeat_n(' ', width));
                i += width;
            }
            out.push('\'');
            i += 1;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// The number of `#` of a raw string (`r"`, `r#"`, `br"`...) starting at `i`.
fn raw_string_start(chars: &[char], i: usize) -> Option<usize> {
    if chars[i] != 'r' || (i > 0 && is_ident(chars[i - 1]) && chars[i - 1] != 'b') {
        return None;
    }
    if i > 1 && chars[i - 1] == 'b' && is_ident(chars[i - 2]) {
        return None;
    }
    let hashes = chars[i + 1..].iter().take_while(|&&c| c == '#').count();
    (chars.get(i + 1 + hashes) == Some(&'"')).then_some(hashes)
}

/// A `'` that opens a character literal (`'a'`, `'\n'`, `'\''`), not a lifetime (`'a`).
fn is_char_literal(chars: &[char], i: usize) -> bool {
    match chars.get(i + 1) {
        Some('\\') => true,
        Some(_) => chars.get(i + 2) == Some(&'\''),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(source: &str) -> Vec<(usize, &'static str)> {
        silent_assertions(source)
            .into_iter()
            .map(|s| (s.line, s.macro_name))
            .collect()
    }

    #[test]
    fn an_assertion_with_only_its_required_arguments_is_silent() {
        let source = "fn t() {\n    assert!(queue.is_empty());\n    assert_eq!(a, b);\n    \
                      assert_ne!(a, b,);\n    prop_assert_eq!(x, y);\n}\n";
        assert_eq!(
            lines(source),
            [
                (2, "assert"),
                (3, "assert_eq"),
                (4, "assert_ne"),
                (5, "prop_assert_eq")
            ],
            "each call with no message must be named, with its line"
        );
    }

    #[test]
    fn a_message_after_the_required_arguments_is_enough() {
        let source = "assert!(ok, \"why\");\nassert_eq!(a, b, \"{} is wrong\", a);\n\
                      debug_assert_ne!(a, b, \"because\");\n";
        assert_eq!(lines(source), [], "every call here has a message");
    }

    #[test]
    fn a_call_over_many_lines_is_read_whole() {
        let source = "assert_eq!(\n    f(1, 2),\n    vec![(1, 2), (3, 4)],\n);\n\
                      assert_eq!(\n    f(1, 2),\n    [3, 4],\n    \"the message, on line 10\"\n);\n";
        assert_eq!(
            lines(source),
            [(1, "assert_eq")],
            "commas inside calls, tuples and vec![] are not arguments"
        );
    }

    #[test]
    fn commas_and_brackets_in_literals_and_comments_do_not_count() {
        let source = "assert!(s == \"a, b)\"); // assert!(x)\n\
                      assert!(c == ',');\n\
                      assert!(r == r#\"x\", \"y\"#);\n\
                      /* assert!(y) */ assert!(q, \"ok\");\n\
                      assert!(t == '\\'', \"ok\");\n\
                      fn f<'a>(x: &'a str) { assert!(x.is_empty(), \"ok\") }\n";
        assert_eq!(
            lines(source),
            [(1, "assert"), (2, "assert"), (3, "assert")],
            "only real calls count, and only their real commas"
        );
    }

    #[test]
    fn a_turbofish_is_one_argument_and_other_names_are_not_assertions() {
        let source = "assert_eq!(v, Vec::<(u64, u64)>::new());\n\
                      assert_eq!(m, HashMap::<u64, u64>::new());\n\
                      assert!(a < b && c > d, \"ok\");\n\
                      my_assert!(x);\nassertion!(y);\nlet assert_x = 1;\n";
        assert_eq!(
            lines(source),
            [(1, "assert_eq"), (2, "assert_eq")],
            "a turbofish's comma is not an argument; `my_assert!` is not checked"
        );
    }
}
