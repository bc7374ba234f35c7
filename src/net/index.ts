// Public API of the net layer.
export {};
