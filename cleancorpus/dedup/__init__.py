"""Near-duplicate stories: shingles, MinHash signatures, LSH candidates, exact verification, clusters."""

from .clusters import Cluster, DocInfo, Member, choose_representative
from .detector import DedupResult, DedupSettings, NearDuplicateDetector, find_duplicates
from .signatures import SketchSettings, exact_similarity, sketch_texts

__all__ = ["Cluster", "DedupResult", "DedupSettings", "DocInfo", "Member", "NearDuplicateDetector",
           "SketchSettings", "choose_representative", "exact_similarity", "find_duplicates", "sketch_texts"]
