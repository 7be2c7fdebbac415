//! A small OData `$filter` engine: `eq`/`ne` against string literals or
//! `null`, `startswith`/`endswith`/`contains`, `<collection>/any(x:x eq '…')`,
//! `and`/`or`/`not` and parentheses. It evaluates against the JSON form of an
//! entity, so one engine serves every entity set.

use serde_json::Value;

/// What an entity set lets `$filter` touch.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Schema {
    /// Qualified type name, for messages.
    pub type_name: &'static str,
    /// String properties (compared exactly).
    pub strings: &'static [&'static str],
    /// Enum properties (compared ignoring ASCII case, like the service).
    pub enums: &'static [&'static str],
    /// Collections of enum members, usable with `any`.
    pub collections: &'static [&'static str],
    /// Properties that exist but cannot be filtered on.
    pub not_filterable: &'static [&'static str],
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Expr {
    Or(Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Compare {
        property: String,
        negate: bool,
        value: Option<String>,
        ignore_case: bool,
    },
    Function {
        function: StringFunction,
        property: String,
        argument: String,
        ignore_case: bool,
    },
    Any {
        property: String,
        value: String,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StringFunction {
    StartsWith,
    EndsWith,
    Contains,
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Open,
    Close,
    Comma,
    Colon,
    Slash,
    Str(String),
    Word(String),
}

fn tokenize(input: &str) -> Result<Vec<(usize, Token)>, String> {
    let chars: Vec<char> = input.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        match c {
            c if c.is_whitespace() => {
                i += 1;
                continue;
            }
            '(' => out.push((start, Token::Open)),
            ')' => out.push((start, Token::Close)),
            ',' => out.push((start, Token::Comma)),
            ':' => out.push((start, Token::Colon)),
            '/' => out.push((start, Token::Slash)),
            '\'' => {
                let mut s = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => {
                            return Err(format!("unterminated string literal at position {start}"));
                        }
                        Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                            s.push('\'');
                            i += 2;
                        }
                        Some('\'') => break,
                        Some(&ch) => {
                            s.push(ch);
                            i += 1;
                        }
                    }
                }
                out.push((start, Token::Str(s)));
            }
            c if c.is_alphanumeric()
                || c == '_'
                || c == '.'
                || c == '-'
                || c == '+'
                || c == '@' =>
            {
                let mut s = String::new();
                while let Some(&ch) = chars.get(i) {
                    if ch.is_alphanumeric() || matches!(ch, '_' | '.' | '-' | '+' | '@') {
                        s.push(ch);
                        i += 1;
                    } else {
                        break;
                    }
                }
                out.push((start, Token::Word(s)));
                continue;
            }
            other => {
                return Err(format!(
                    "unexpected character '{other}' at position {start}"
                ));
            }
        }
        i += 1;
    }
    Ok(out)
}

struct Parser<'a> {
    tokens: Vec<(usize, Token)>,
    pos: usize,
    end: usize,
    schema: &'a Schema,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos).map(|(_, t)| t)
    }

    fn at(&self) -> usize {
        self.tokens.get(self.pos).map_or(self.end, |(p, _)| *p)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).map(|(_, t)| t.clone());
        self.pos += 1;
        t
    }

    fn peek_keyword(&self, keyword: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(keyword))
    }

    fn expect(&mut self, want: Token, what: &str) -> Result<(), String> {
        let at = self.at();
        match self.next() {
            Some(t) if t == want => Ok(()),
            Some(t) => Err(format!(
                "expected {what} at position {at}, found {}",
                describe(&t)
            )),
            None => Err(format!("expected {what} at the end of the expression")),
        }
    }

    fn word(&mut self, what: &str) -> Result<String, String> {
        let at = self.at();
        match self.next() {
            Some(Token::Word(w)) => Ok(w),
            Some(t) => Err(format!(
                "expected {what} at position {at}, found {}",
                describe(&t)
            )),
            None => Err(format!("expected {what} at the end of the expression")),
        }
    }

    fn string(&mut self, what: &str) -> Result<String, String> {
        let at = self.at();
        match self.next() {
            Some(Token::Str(s)) => Ok(s),
            Some(t) => Err(format!(
                "expected {what} (a quoted string literal) at position {at}, found {}",
                describe(&t)
            )),
            None => Err(format!("expected {what} at the end of the expression")),
        }
    }

    fn or(&mut self) -> Result<Expr, String> {
        let mut left = self.and()?;
        while self.peek_keyword("or") {
            self.pos += 1;
            let right = self.and()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut left = self.unary()?;
        while self.peek_keyword("and") {
            self.pos += 1;
            let right = self.unary()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, String> {
        if self.peek_keyword("not") {
            self.pos += 1;
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, String> {
        let at = self.at();
        match self.next() {
            Some(Token::Open) => {
                let inner = self.or()?;
                self.expect(Token::Close, "')'")?;
                Ok(inner)
            }
            Some(Token::Word(word)) => {
                if self.peek() == Some(&Token::Open) {
                    return self.function(&word, at);
                }
                if self.peek() == Some(&Token::Slash) {
                    return self.any(word);
                }
                self.comparison(word)
            }
            Some(t) => Err(format!(
                "expected a property, a function or '(' at position {at}, found {}",
                describe(&t)
            )),
            None => Err("the expression ends where a condition was expected".to_owned()),
        }
    }

    fn function(&mut self, name: &str, at: usize) -> Result<Expr, String> {
        let function = match name {
            "startswith" => StringFunction::StartsWith,
            "endswith" => StringFunction::EndsWith,
            "contains" => StringFunction::Contains,
            other => {
                return Err(format!(
                    "the function '{other}' (position {at}) is not supported; use startswith, endswith or contains"
                ));
            }
        };
        self.expect(Token::Open, "'('")?;
        let property = self.word("a property name")?;
        let ignore_case = self.scalar_property(&property)?;
        self.expect(Token::Comma, "','")?;
        let argument = self.string("the function's second argument")?;
        self.expect(Token::Close, "')'")?;
        Ok(Expr::Function {
            function,
            property,
            argument,
            ignore_case,
        })
    }

    fn any(&mut self, property: String) -> Result<Expr, String> {
        self.pos += 1; // the slash
        if !self.schema.collections.contains(&property.as_str()) {
            return Err(if self.is_known(&property) {
                format!(
                    "'{property}' is not a collection; only {} support any()",
                    self.schema.collections.join(", ")
                )
            } else {
                self.unknown(&property)
            });
        }
        let lambda = self.word("'any'")?;
        if lambda != "any" {
            return Err(format!(
                "the lambda operator '{lambda}' is not supported; use any"
            ));
        }
        self.expect(Token::Open, "'('")?;
        let var = self.word("a range variable")?;
        self.expect(Token::Colon, "':'")?;
        let used = self.word("the range variable")?;
        if used != var {
            return Err(format!(
                "the range variable '{used}' is not the declared '{var}'"
            ));
        }
        let op = self.word("'eq'")?;
        if op != "eq" {
            return Err(format!("only 'eq' is supported inside any(), not '{op}'"));
        }
        let value = self.string("the value to look for")?;
        self.expect(Token::Close, "')'")?;
        Ok(Expr::Any { property, value })
    }

    fn comparison(&mut self, property: String) -> Result<Expr, String> {
        let ignore_case = self.scalar_property(&property)?;
        let at = self.at();
        let op = self.word("a comparison operator (eq, ne)")?;
        let negate = match op.as_str() {
            "eq" => false,
            "ne" => true,
            other => {
                return Err(format!(
                    "the operator '{other}' (position {at}) is not supported; use eq or ne"
                ));
            }
        };
        let at = self.at();
        let value = match self.next() {
            Some(Token::Str(s)) => Some(s),
            Some(Token::Word(w)) if w == "null" => None,
            Some(t) => {
                return Err(format!(
                    "expected a quoted string literal or null at position {at}, found {}",
                    describe(&t)
                ));
            }
            None => return Err("the expression ends where a literal was expected".to_owned()),
        };
        Ok(Expr::Compare {
            property,
            negate,
            value,
            ignore_case,
        })
    }

    /// Checks a property usable in a comparison; true for enums.
    fn scalar_property(&self, property: &str) -> Result<bool, String> {
        if self.schema.strings.contains(&property) {
            Ok(false)
        } else if self.schema.enums.contains(&property) {
            Ok(true)
        } else if self.schema.not_filterable.contains(&property) {
            Err(format!(
                "the property '{property}' of '{}' cannot be used in $filter",
                self.schema.type_name
            ))
        } else if self.schema.collections.contains(&property) {
            Err(format!(
                "'{property}' is a collection; use {property}/any(x:x eq '…')"
            ))
        } else {
            Err(self.unknown(property))
        }
    }

    fn is_known(&self, property: &str) -> bool {
        let s = self.schema;
        [s.strings, s.enums, s.collections, s.not_filterable]
            .iter()
            .any(|list| list.contains(&property))
    }

    fn unknown(&self, property: &str) -> String {
        format!(
            "could not find a property named '{property}' on type '{}'",
            self.schema.type_name
        )
    }
}

fn describe(t: &Token) -> String {
    match t {
        Token::Open => "'('".into(),
        Token::Close => "')'".into(),
        Token::Comma => "','".into(),
        Token::Colon => "':'".into(),
        Token::Slash => "'/'".into(),
        Token::Str(s) => format!("the literal '{s}'"),
        Token::Word(w) => format!("'{w}'"),
    }
}

/// Parses a `$filter` value (already percent-decoded).
pub(crate) fn parse(input: &str, schema: &Schema) -> Result<Expr, String> {
    let tokens = tokenize(input)?;
    if tokens.is_empty() {
        return Err("the expression is empty".to_owned());
    }
    let mut parser = Parser {
        tokens,
        pos: 0,
        end: input.chars().count(),
        schema,
    };
    let expr = parser.or()?;
    if let Some(t) = parser.peek().cloned() {
        return Err(format!(
            "unexpected {} at position {} (expected 'and', 'or' or the end)",
            describe(&t),
            parser.at()
        ));
    }
    Ok(expr)
}

fn same(a: &str, b: &str, ignore_case: bool) -> bool {
    if ignore_case {
        a.eq_ignore_ascii_case(b)
    } else {
        a == b
    }
}

impl Expr {
    /// Whether `entity` (a JSON object) matches.
    pub(crate) fn matches(&self, entity: &Value) -> bool {
        match self {
            Expr::Or(a, b) => a.matches(entity) || b.matches(entity),
            Expr::And(a, b) => a.matches(entity) && b.matches(entity),
            Expr::Not(e) => !e.matches(entity),
            Expr::Compare {
                property,
                negate,
                value,
                ignore_case,
            } => {
                let actual = entity.get(property).and_then(Value::as_str);
                let equal = match (actual, value) {
                    (None, None) => true,
                    (Some(a), Some(v)) => same(a, v, *ignore_case),
                    _ => false,
                };
                equal != *negate
            }
            Expr::Function {
                function,
                property,
                argument,
                ignore_case,
            } => {
                let Some(actual) = entity.get(property).and_then(Value::as_str) else {
                    return false;
                };
                let (actual, argument) = if *ignore_case {
                    (actual.to_ascii_lowercase(), argument.to_ascii_lowercase())
                } else {
                    (actual.to_owned(), argument.clone())
                };
                match function {
                    StringFunction::StartsWith => actual.starts_with(&argument),
                    StringFunction::EndsWith => actual.ends_with(&argument),
                    StringFunction::Contains => actual.contains(&argument),
                }
            }
            Expr::Any { property, value } => entity
                .get(property)
                .and_then(Value::as_array)
                .is_some_and(|items| {
                    items
                        .iter()
                        .filter_map(Value::as_str)
                        .any(|item| item.eq_ignore_ascii_case(value))
                }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SCHEMA: Schema = Schema {
        type_name: "test.thing",
        strings: &["telephoneNumber", "locationId"],
        enums: &["numberType"],
        collections: &["capabilities"],
        not_filterable: &["city"],
    };

    fn check(filter: &str, entity: &Value) -> bool {
        parse(filter, &SCHEMA).unwrap().matches(entity)
    }

    #[test]
    fn evaluates() {
        let e = json!({"telephoneNumber": "+14255550100", "locationId": null,
            "numberType": "directRouting", "capabilities": ["userAssignment"]});
        assert!(check("telephoneNumber eq '+14255550100'", &e));
        assert!(check("numberType eq 'DirectRouting'", &e));
        assert!(check("locationId eq null", &e));
        assert!(!check("locationId ne null", &e));
        assert!(check("startswith(telephoneNumber,'+1425')", &e));
        assert!(check("capabilities/any(c:c eq 'userAssignment')", &e));
        assert!(!check(
            "capabilities/any(c:c eq 'conferenceAssignment')",
            &e
        ));
        assert!(check(
            "(numberType eq 'callingPlan' or numberType eq 'directRouting') and not (telephoneNumber eq 'x')",
            &e
        ));
        let quoted = json!({"telephoneNumber": "O'Brien"});
        assert!(check("telephoneNumber eq 'O''Brien'", &quoted));
    }

    #[test]
    fn rejects() {
        for bad in [
            "city eq 'Redmond'",
            "nope eq 'x'",
            "telephoneNumber gt 'x'",
            "telephoneNumber eq",
            "(telephoneNumber eq 'x'",
            "telephoneNumber eq 'x' foo",
            "substringof('x',telephoneNumber)",
            "capabilities eq 'x'",
            "telephoneNumber eq 'unterminated",
            "",
        ] {
            assert!(parse(bad, &SCHEMA).is_err(), "{bad} should fail");
        }
    }
}
