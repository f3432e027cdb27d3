//! Permission checks as HDFS does them under simple authentication
//! (FSPermissionChecker): traverse needs execute on every ancestor; then
//! the access asked of the parent, the inode itself or its whole subtree.

use common::permission::FsAction;
use common::user::CallOrigin;
use common::{ExceptionKind, RemoteException};

use super::{INode, Namespace, ResolvedPath, Slot, prefix_path};

/// Who is calling, as the NameNode decided from the request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    pub user: String,
    pub groups: Vec<String>,
    /// The NameNode's own user or a member of `dfs.permissions.superusergroup`.
    pub is_superuser: bool,
    /// Where the call came from; the audit log records the calls that have
    /// one (not the NameNode's own lookups).
    pub origin: Option<CallOrigin>,
}

impl Caller {
    pub fn superuser(user: &str) -> Self {
        Self {
            user: user.to_string(),
            groups: Vec::new(),
            is_superuser: true,
            origin: None,
        }
    }

    /// The same caller, calling from `origin`.
    pub fn with_origin(self, origin: CallOrigin) -> Self {
        Self {
            origin: Some(origin),
            ..self
        }
    }
}

pub(crate) struct PermissionChecker<'a> {
    namespace: &'a Namespace,
    caller: &'a Caller,
    bypass: bool,
}

impl<'a> PermissionChecker<'a> {
    pub fn new(namespace: &'a Namespace, caller: &'a Caller) -> Self {
        let bypass = caller.is_superuser || !namespace.limits().permissions_enabled;
        Self {
            namespace,
            caller,
            bypass,
        }
    }

    /// Execute on every existing directory above the last component.
    pub fn check_traverse(&self, resolved: &ResolvedPath<'_>) -> Result<(), RemoteException> {
        if self.bypass {
            return Ok(());
        }
        let ancestors = resolved.slots.len().min(resolved.components.len());
        for depth in 0..ancestors {
            self.check_inode(resolved, depth, resolved.slots[depth], FsAction::EXECUTE)?;
        }
        Ok(())
    }

    /// `action` on the deepest existing ancestor of the last component.
    pub fn check_ancestor(
        &self,
        resolved: &ResolvedPath<'_>,
        action: FsAction,
    ) -> Result<(), RemoteException> {
        if self.bypass {
            return Ok(());
        }
        let depth = (resolved.slots.len() - 1).min(resolved.components.len().saturating_sub(1));
        self.check_inode(resolved, depth, resolved.slots[depth], action)
    }

    /// `action` on the inode at `slot`, which the whole path names.
    pub fn check_access(
        &self,
        resolved: &ResolvedPath<'_>,
        slot: Slot,
        action: FsAction,
    ) -> Result<(), RemoteException> {
        if self.bypass {
            return Ok(());
        }
        self.check_inode(resolved, resolved.components.len(), slot, action)
    }

    /// `action` on every directory of the subtree at `slot`.
    pub fn check_subtree(
        &self,
        resolved: &ResolvedPath<'_>,
        slot: Slot,
        action: FsAction,
    ) -> Result<(), RemoteException> {
        if self.bypass {
            return Ok(());
        }
        let mut stack = vec![(resolved.path.to_string(), slot)];
        while let Some((path, slot)) = stack.pop() {
            let inode = self.namespace.inode(slot);
            let Some(children) = inode.children() else {
                continue;
            };
            if !self.granted(inode, action) {
                return Err(self.denied(&path, inode, action));
            }
            for &child in children {
                let child_name =
                    String::from_utf8_lossy(&self.namespace.inode(child).name).into_owned();
                stack.push((common::path::join(&path, &child_name), child));
            }
        }
        Ok(())
    }

    /// Owner (or superuser) only: setPermission, setOwner's group change.
    pub fn check_owner(
        &self,
        resolved: &ResolvedPath<'_>,
        slot: Slot,
    ) -> Result<(), RemoteException> {
        if self.bypass {
            return Ok(());
        }
        let inode = self.namespace.inode(slot);
        if self.namespace.strings().get(inode.owner) == self.caller.user {
            return Ok(());
        }
        Err(RemoteException::new(
            ExceptionKind::AccessControl,
            format!(
                "Permission denied. user={} is not the owner of inode={}",
                self.caller.user, resolved.path
            ),
        ))
    }

    /// The sticky bit: in a sticky directory only the owner of an entry (or
    /// of the directory) may delete or rename it.
    pub fn check_sticky(
        &self,
        resolved: &ResolvedPath<'_>,
        parent: Slot,
        slot: Slot,
    ) -> Result<(), RemoteException> {
        if self.bypass {
            return Ok(());
        }
        let parent_inode = self.namespace.inode(parent);
        if !parent_inode.permission.sticky() {
            return Ok(());
        }
        let strings = self.namespace.strings();
        let user = self.caller.user.as_str();
        if strings.get(parent_inode.owner) == user
            || strings.get(self.namespace.inode(slot).owner) == user
        {
            return Ok(());
        }
        Err(RemoteException::new(
            ExceptionKind::AccessControl,
            format!(
                "Permission denied by sticky bit: user={}, path=\"{}\", parent=\"{}\"",
                user,
                resolved.path,
                common::path::parent(resolved.path)
            ),
        ))
    }

    fn check_inode(
        &self,
        resolved: &ResolvedPath<'_>,
        depth: usize,
        slot: Slot,
        action: FsAction,
    ) -> Result<(), RemoteException> {
        let inode = self.namespace.inode(slot);
        if self.granted(inode, action) {
            return Ok(());
        }
        let path = prefix_path(&resolved.components, depth);
        Err(self.denied(&path, inode, action))
    }

    fn granted(&self, inode: &INode, action: FsAction) -> bool {
        let strings = self.namespace.strings();
        let bits = if strings.get(inode.owner) == self.caller.user {
            inode.permission.user_action()
        } else if self
            .caller
            .groups
            .iter()
            .any(|group| group == strings.get(inode.group))
        {
            inode.permission.group_action()
        } else {
            inode.permission.other_action()
        };
        action.is_granted_by(bits)
    }

    fn denied(&self, path: &str, inode: &INode, action: FsAction) -> RemoteException {
        let strings = self.namespace.strings();
        let kind = if inode.is_directory() { 'd' } else { '-' };
        RemoteException::new(
            ExceptionKind::AccessControl,
            format!(
                "Permission denied: user={}, access={}, inode=\"{}\":{}:{}:{}{}",
                self.caller.user,
                action.name(),
                path,
                strings.get(inode.owner),
                strings.get(inode.group),
                kind,
                inode.permission
            ),
        )
    }
}
