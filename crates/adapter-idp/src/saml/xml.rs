//! The XML ground rules shared by metadata and responses: a size cap and no DTD before any
//! parser sees the text, a strict non-recovering parse without network access, and
//! namespace-aware element look-ups.

use libxml::parser::{Parser, ParserOptions};
use libxml::tree::{Document, Node, NodeType};

use super::SamlError;

/// SAML 2.0 protocol namespace.
pub(crate) const NS_PROTOCOL: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
/// SAML 2.0 assertion namespace.
pub(crate) const NS_ASSERTION: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
/// SAML 2.0 metadata namespace.
pub(crate) const NS_METADATA: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
/// XML digital signature namespace.
pub(crate) const NS_DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";

/// Refuses a document type declaration (and with it every entity declaration) before parsing:
/// any `<!` that does not open a comment or a CDATA section.
pub(crate) fn refuse_dtd(text: &str) -> Result<(), SamlError> {
    let mut rest = text;
    while let Some(at) = rest.find("<!") {
        let after = &rest[at + 2..];
        if !(after.starts_with("--") || after.starts_with("[CDATA[")) {
            return Err(SamlError::Doctype);
        }
        rest = after;
    }
    Ok(())
}

/// Parses well-formed XML strictly: no recovery, no network, no default DTD.
pub(crate) fn parse_strict(text: &str) -> Result<Document, SamlError> {
    refuse_dtd(text)?;
    // libxml2 sets up its global state on the first parse; make that first parse happen
    // once, before any other thread's.
    static FIRST: std::sync::Once = std::sync::Once::new();
    FIRST.call_once(|| {
        let _ = Parser::default().parse_string("<first/>");
    });
    let options = ParserOptions {
        recover: false,
        no_def_dtd: true,
        no_error: true,
        no_warning: true,
        no_net: true,
        ..ParserOptions::default()
    };
    let document = Parser::default()
        .parse_string_with_options(text, options)
        .map_err(|_| SamlError::Malformed)?;
    // libxml keeps a DTD node when one slipped through; refuse it again on the tree.
    if document.as_node().get_child_nodes().iter().any(|n| {
        matches!(
            n.get_type(),
            Some(NodeType::DTDNode | NodeType::DocumentTypeNode)
        )
    }) {
        return Err(SamlError::Doctype);
    }
    Ok(document)
}

/// Whether `node` is the element `{namespace}local`.
pub(crate) fn is(node: &Node, namespace: &str, local: &str) -> bool {
    node.is_element_node()
        && node.get_name() == local
        && node
            .get_namespace()
            .is_some_and(|ns| ns.get_href() == namespace)
}

/// The element children of `node` named `{namespace}local`.
pub(crate) fn children(node: &Node, namespace: &str, local: &str) -> Vec<Node> {
    node.get_child_elements()
        .into_iter()
        .filter(|c| is(c, namespace, local))
        .collect()
}

/// The only element child `{namespace}local` of `node`, if there is exactly one.
pub(crate) fn only_child(node: &Node, namespace: &str, local: &str) -> Option<Node> {
    let mut found = children(node, namespace, local);
    if found.len() == 1 { found.pop() } else { None }
}

/// Every node below `node` (itself included), depth first.
pub(crate) fn descendants(node: &Node) -> Vec<Node> {
    let mut out = Vec::new();
    let mut stack = vec![node.clone()];
    while let Some(n) = stack.pop() {
        let mut kids = n.get_child_nodes();
        kids.reverse();
        stack.extend(kids);
        out.push(n);
    }
    out
}

/// An attribute without namespace, if present.
pub(crate) fn attribute(node: &Node, name: &str) -> Option<String> {
    node.get_attribute(name)
}

/// The text of an element: its text and CDATA descendants, whitespace around it removed.
pub(crate) fn text(node: &Node) -> String {
    node.get_content().trim().to_owned()
}
