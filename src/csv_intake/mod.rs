//! CSV intake: from the bytes of a dropped file to a removal plan.
