//! Tusk's edit operations under Hadoop's opcode names and numbers, with the
//! fields Hadoop's XML shows for them.

use proto::hdfs::Block;
use proto::namenode_storage::edit_record::Op;

/// The opcodes Tusk writes, in Hadoop's numbering order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpCode {
    Add,
    RenameOld,
    Delete,
    Mkdir,
    SetReplication,
    SetPermissions,
    SetOwner,
    Close,
    Times,
    SetQuota,
    Rename,
    ConcatDelete,
    ReassignLease,
    UpdateBlocks,
    AddBlock,
    Truncate,
    Append,
}

impl OpCode {
    pub const ALL: [OpCode; 17] = [
        OpCode::Add,
        OpCode::RenameOld,
        OpCode::Delete,
        OpCode::Mkdir,
        OpCode::SetReplication,
        OpCode::SetPermissions,
        OpCode::SetOwner,
        OpCode::Close,
        OpCode::Times,
        OpCode::SetQuota,
        OpCode::Rename,
        OpCode::ConcatDelete,
        OpCode::ReassignLease,
        OpCode::UpdateBlocks,
        OpCode::AddBlock,
        OpCode::Truncate,
        OpCode::Append,
    ];

    pub fn name(self) -> &'static str {
        match self {
            OpCode::Add => "OP_ADD",
            OpCode::RenameOld => "OP_RENAME_OLD",
            OpCode::Delete => "OP_DELETE",
            OpCode::Mkdir => "OP_MKDIR",
            OpCode::SetReplication => "OP_SET_REPLICATION",
            OpCode::SetPermissions => "OP_SET_PERMISSIONS",
            OpCode::SetOwner => "OP_SET_OWNER",
            OpCode::Close => "OP_CLOSE",
            OpCode::Times => "OP_TIMES",
            OpCode::SetQuota => "OP_SET_QUOTA",
            OpCode::Rename => "OP_RENAME",
            OpCode::UpdateBlocks => "OP_UPDATE_BLOCKS",
            OpCode::AddBlock => "OP_ADD_BLOCK",
            OpCode::ReassignLease => "OP_REASSIGN_LEASE",
            OpCode::Truncate => "OP_TRUNCATE",
            OpCode::Append => "OP_APPEND",
            OpCode::ConcatDelete => "OP_CONCAT_DELETE",
        }
    }

    /// Hadoop's FSEditLogOpCodes byte.
    pub fn hadoop_opcode(self) -> u8 {
        match self {
            OpCode::Add => 0,
            OpCode::RenameOld => 1,
            OpCode::Delete => 2,
            OpCode::Mkdir => 3,
            OpCode::SetReplication => 4,
            OpCode::SetPermissions => 7,
            OpCode::SetOwner => 8,
            OpCode::Close => 9,
            OpCode::Times => 13,
            OpCode::SetQuota => 14,
            OpCode::Rename => 15,
            OpCode::UpdateBlocks => 25,
            OpCode::AddBlock => 36,
            OpCode::ReassignLease => 22,
            OpCode::Truncate => 46,
            OpCode::Append => 47,
            OpCode::ConcatDelete => 16,
        }
    }
}

/// One XML element of a record's DATA.
pub enum Field {
    Value(std::borrow::Cow<'static, str>, String),
    Group(&'static str, Vec<Field>),
}

fn value(name: &'static str, value: impl ToString) -> Field {
    Field::Value(name.into(), value.to_string())
}

fn permission_status(owner: &str, group: &str, mode: u32) -> Field {
    Field::Group(
        "PERMISSION_STATUS",
        vec![
            value("USERNAME", owner),
            value("GROUPNAME", group),
            value("MODE", mode),
        ],
    )
}

fn block(block: &Block) -> Field {
    Field::Group(
        "BLOCK",
        vec![
            value("BLOCK_ID", block.block_id),
            value("NUM_BYTES", block.num_bytes),
            value("GENSTAMP", block.generation_stamp),
        ],
    )
}

/// The opcode of `op` and its fields, TXID first.
pub fn describe(txid: u64, op: &Op) -> (OpCode, Vec<Field>) {
    let mut fields = vec![value("TXID", txid)];
    let code = match op {
        Op::Mkdir(mkdir) => {
            fields.extend([
                value("LENGTH", 0),
                value("INODEID", mkdir.inode_id),
                value("PATH", &mkdir.path),
                value("TIMESTAMP", mkdir.mtime),
                permission_status(&mkdir.owner, &mkdir.group, mkdir.permission),
            ]);
            OpCode::Mkdir
        }
        Op::AddFile(add) => {
            fields.extend([
                value("LENGTH", 0),
                value("INODEID", add.inode_id),
                value("PATH", &add.path),
                value("REPLICATION", add.replication),
                value("MTIME", add.mtime),
                value("ATIME", add.mtime),
                value("BLOCKSIZE", add.block_size),
                value("CLIENT_NAME", &add.client_name),
                value("CLIENT_MACHINE", ""),
                value("OVERWRITE", add.overwrite),
                permission_status(&add.owner, &add.group, add.permission),
            ]);
            OpCode::Add
        }
        Op::AddBlock(add) => {
            fields.push(value("PATH", &add.path));
            fields.extend(add.penultimate.iter().map(block));
            fields.extend(add.last.iter().map(block));
            OpCode::AddBlock
        }
        Op::CloseFile(close) => {
            fields.extend([
                value("LENGTH", 0),
                value("PATH", &close.path),
                value("MTIME", close.mtime),
                value("ATIME", close.atime),
            ]);
            fields.extend(close.blocks.iter().map(block));
            OpCode::Close
        }
        Op::UpdateBlocks(update) => {
            fields.push(value("PATH", &update.path));
            fields.extend(update.blocks.iter().map(block));
            OpCode::UpdateBlocks
        }
        Op::Rename(rename) => {
            fields.extend([
                value("LENGTH", 0),
                value("SRC", &rename.src),
                value("DST", &rename.dst),
                value("TIMESTAMP", rename.timestamp),
            ]);
            if rename.overwrite {
                fields.push(value("OPTIONS", "OVERWRITE"));
                OpCode::Rename
            } else {
                OpCode::RenameOld
            }
        }
        Op::Concat(concat) => {
            fields.extend([
                value("LENGTH", 0),
                value("TRG", &concat.target),
                value("TIMESTAMP", concat.timestamp),
                Field::Group(
                    "SOURCES",
                    concat
                        .sources
                        .iter()
                        .enumerate()
                        .map(|(index, source)| {
                            Field::Value(format!("SOURCE{}", index + 1).into(), source.clone())
                        })
                        .collect(),
                ),
            ]);
            OpCode::ConcatDelete
        }
        Op::Truncate(truncate) => {
            fields.extend([
                value("SRC", &truncate.src),
                value("CLIENTNAME", &truncate.client_name),
                value("CLIENTMACHINE", &truncate.client_machine),
                value("NEWLENGTH", truncate.new_length),
                value("TIMESTAMP", truncate.mtime),
            ]);
            fields.extend(truncate.truncate_block.iter().map(block));
            OpCode::Truncate
        }
        Op::Delete(delete) => {
            fields.extend([
                value("LENGTH", 0),
                value("PATH", &delete.path),
                value("TIMESTAMP", delete.timestamp),
            ]);
            OpCode::Delete
        }
        Op::SetReplication(set) => {
            fields.extend([
                value("PATH", &set.path),
                value("REPLICATION", set.replication),
            ]);
            OpCode::SetReplication
        }
        Op::SetPermission(set) => {
            fields.extend([value("SRC", &set.path), value("MODE", set.permission)]);
            OpCode::SetPermissions
        }
        Op::SetOwner(set) => {
            fields.extend([
                value("SRC", &set.path),
                value("USERNAME", &set.owner),
                value("GROUPNAME", &set.group),
            ]);
            OpCode::SetOwner
        }
        Op::ReassignLease(reassign) => {
            fields.extend([
                value("PATH", &reassign.path),
                value("NEWHOLDER", &reassign.new_holder),
            ]);
            OpCode::ReassignLease
        }
        Op::Append(append) => {
            fields.extend([
                value("PATH", &append.path),
                value("CLIENT_NAME", &append.client_name),
                value("CLIENT_MACHINE", ""),
                value("NEWBLOCK", true),
            ]);
            OpCode::Append
        }
        Op::SetQuota(set) => {
            fields.extend([
                value("SRC", &set.path),
                value("NSQUOTA", set.namespace_quota),
                value("DSQUOTA", set.space_quota),
            ]);
            OpCode::SetQuota
        }
        Op::SetTimes(set) => {
            fields.extend([
                value("LENGTH", 0),
                value("PATH", &set.path),
                value("MTIME", set.mtime),
                value("ATIME", set.atime),
            ]);
            OpCode::Times
        }
    };
    (code, fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opcodes_are_in_hadoop_order() {
        let numbers: Vec<u8> = OpCode::ALL
            .iter()
            .map(|code| code.hadoop_opcode())
            .collect();
        let mut sorted = numbers.clone();
        sorted.sort_unstable();
        assert_eq!(numbers, sorted);
        for (index, code) in OpCode::ALL.iter().enumerate() {
            assert_eq!(*code as usize, index);
        }
    }

    fn names(fields: &[Field]) -> Vec<String> {
        fields
            .iter()
            .map(|field| match field {
                Field::Value(name, value) => format!("{name}={value}"),
                Field::Group(name, inner) => format!("{name}{:?}", names(inner)),
            })
            .collect()
    }

    #[test]
    fn truncate_shows_as_hadoops_op_truncate() {
        let op = Op::Truncate(proto::namenode_storage::TruncateOp {
            src: "/f".to_string(),
            client_name: "DFSClient_1".to_string(),
            client_machine: "10.0.0.1".to_string(),
            new_length: 5,
            mtime: 1_700_000_000_000,
            truncate_block: Some(Block {
                block_id: 1_073_741_825,
                generation_stamp: 1002,
                num_bytes: 5,
            }),
        });
        let (code, fields) = describe(7, &op);
        assert_eq!((code.name(), code.hadoop_opcode()), ("OP_TRUNCATE", 46));
        assert_eq!(
            names(&fields),
            [
                "TXID=7",
                "SRC=/f",
                "CLIENTNAME=DFSClient_1",
                "CLIENTMACHINE=10.0.0.1",
                "NEWLENGTH=5",
                "TIMESTAMP=1700000000000",
                "BLOCK[\"BLOCK_ID=1073741825\", \"NUM_BYTES=5\", \"GENSTAMP=1002\"]",
            ]
        );
    }
}
