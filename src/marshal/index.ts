// Public API of the marshal layer.
export {};
