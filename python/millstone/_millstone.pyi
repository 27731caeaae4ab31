"""Type stubs of the native module (crates/millstone-py)."""

from typing import Any, Dict, List, Optional, Sequence, Tuple

__version__: str

class MillstoneError(Exception): ...
class ConfigError(MillstoneError): ...
class InputError(MillstoneError): ...
class RunError(MillstoneError): ...

class Pipeline:
    @staticmethod
    def from_preset(name: str) -> Pipeline: ...
    @staticmethod
    def from_toml_str(text: str, origin: str = "pipeline") -> Pipeline: ...
    @property
    def stages(self) -> List[str]: ...
    def corpus_stages(self) -> List[int]: ...
    def check_splittable(self) -> None: ...
    def process(
        self,
        data: Any,
        text_field: str = "text",
        id_field: str = "id",
        corpus: bool = False,
        first_row: int = 0,
        origin: str = "batch",
        rows: Optional[Sequence[int]] = None,
        split: bool = True,
    ) -> Dict[str, Any]: ...
    def observe_pass(
        self,
        k: int,
        data: Any,
        text_field: str = "text",
        id_field: str = "id",
        first_row: int = 0,
        origin: str = "batch",
        rows: Optional[Sequence[int]] = None,
    ) -> bytes: ...
    def merge_partials(self, k: int, partials: Sequence[bytes]) -> bytes: ...
    def finish_pass(self, k: int, partial: bytes) -> bytes: ...
    def install_decisions(self, k: int, decisions: bytes) -> None: ...

def run(
    inputs: Sequence[str],
    output: str,
    *,
    preset: Optional[str] = None,
    pipeline: Optional[str] = None,
    threads: Optional[int] = None,
    force: bool = False,
    resume: bool = False,
    format: str = "jsonl",
    compression: str = "zstd",
    zstd_level: int = 1,
    text_field: str = "text",
    id_field: str = "id",
    shard_size: str = "256M",
    max_record_bytes: str = "64M",
    invalid_utf8: str = "reject",
) -> str: ...
def presets() -> List[Tuple[str, str]]: ...
def dedup_check(options: str) -> None: ...
def dedup_sign(
    data: Any, options: str, rows: Sequence[int], text_field: str = "text", id_field: str = "id"
) -> Dict[str, List[Any]]: ...
def dedup_join_buckets(
    options: str, band: Sequence[int], key: Sequence[int], doc: Sequence[int], sig: Sequence[bytes]
) -> Tuple[List[int], List[int]]: ...
def dedup_large_star(u: Sequence[int], v: Sequence[int]) -> Tuple[List[int], List[int]]: ...
def dedup_small_star(u: Sequence[int], v: Sequence[int]) -> Tuple[List[int], List[int]]: ...
def dedup_index(options: str) -> Dict[str, List[Any]]: ...
def dedup_decide(
    options: str,
    n_old: int,
    doc: Sequence[int],
    root: Sequence[int],
    len: Sequence[int],
    quality: Sequence[float],
    sig: Sequence[bytes],
) -> List[Tuple[List[int], int, List[Optional[float]]]]: ...
