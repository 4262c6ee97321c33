"""政务信息发布系统：内容模型与 `portal` 命令。"""
from __future__ import annotations

__version__ = "0.1.0"
